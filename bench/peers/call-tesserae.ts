// Tesserae: typed `node.call(ref, input)` with a zod input schema.
import { measureCalls } from "../lib/caller.js";
import { bench, benchNode } from "../lib/tesserae.js";
import type { User } from "../lib/workload.js";

const node = await benchNode();
await measureCalls((input) => node.call(bench.entries.user, input as User));
await node.stop();
