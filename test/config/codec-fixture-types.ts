// The types of the generated project's services module (codec-and-config-file.test.ts), for its dynamic imports.
import { z } from "zod";
import { configModel } from "../../src/core/config.js";
import { decimal } from "../../src/features/decimal/index.js";
import { state } from "../../src/features/states/index.js";

export const ticks = state(
  "dated-ticks",
  z.object({ at: z.date().optional(), big: z.bigint().optional(), px: decimal().optional() }),
  { initial: {} },
);
export const feedConfig = configModel({
  rate: z.number().int().positive(),
  step: { schema: decimal(), default: "0.01" },
});
