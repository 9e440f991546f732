// Tesserae: loading a 10,000-event aggregate from its snapshot.
import { measureLoads } from "../lib/es-load.js";

await measureLoads(true);
