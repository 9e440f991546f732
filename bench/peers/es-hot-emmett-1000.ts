// Emmett, 1000 commands in flight on 10 streams (see lib/es-contention.ts).
import { emmettContention } from "../lib/es-contention-emmett.js";

await emmettContention(1000);
