// Tesserae, 100 commands in flight on 10 streams (see lib/es-contention.ts).
import { tesseraeContention } from "../lib/es-contention-tesserae.js";

await tesseraeContention(100);
