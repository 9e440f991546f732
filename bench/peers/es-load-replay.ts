// Tesserae: loading a 10,000-event aggregate by replaying all its events.
import { measureLoads } from "../lib/es-load.js";

await measureLoads(false);
