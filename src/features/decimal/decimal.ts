import { Decimal as DecimalJs } from "decimal.js";
import { z } from "zod";
import { registerWireType } from "../../core/codec-types.js";

/**
 * decimal.js's `Decimal`, set for money and prices: arithmetic keeps 34 significant digits
 * (IEEE 754 decimal128's; decimal.js's default is 20) and strings never use exponent notation,
 * so that the wire and HTTP answers read `"123456789012345678901234567890.5"`, not `"1.23…e+29"`.
 *
 * @example
 * new Decimal("0.1").plus("0.2").toString() // "0.3"
 */
export const Decimal = DecimalJs.clone({ precision: 34, toExpNeg: -9e15, toExpPos: 9e15 });
/** A decimal value (any decimal.js `Decimal`). */
export type Decimal = DecimalJs;

// richJsonCodec carries a Decimal as {"$decimal": "<digits>"}, so a holder's copy of a state is a
// Decimal too; on the JSON codec it travels as its string (Decimal#toJSON) and schemas read it back.
registerWireType<Decimal>({
  tag: "$decimal",
  is: (v): v is Decimal => Decimal.isDecimal(v),
  toWire: (d) => new Decimal(d).toString(),
  fromWire: (s) => new Decimal(s),
});

/** Bounds of a {@link decimal} field. */
export interface DecimalOptions {
  /** The least value accepted (inclusive). */
  readonly min?: DecimalJs.Value;
  /** The greatest value accepted (inclusive). */
  readonly max?: DecimalJs.Value;
  /** At most this many digits after the point (e.g. 2 for cents); more is refused, never rounded. */
  readonly places?: number;
}

const digits = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A decimal field: exact values (no binary floating point), a `Decimal` (decimal.js) in memory
 * and its string on the wire. Accepts a string of digits (`"101.50"`), a `Decimal`, or a finite
 * number (taken by its shortest decimal form, so `0.1` is 0.1); refuses anything else, `NaN` and
 * infinities. Use it in entries, connections' argument models, states and config models.
 *
 * @example
 * const order = z.object({ symbol: z.string(), price: decimal({ min: 0, places: 4 }) });
 * // order.parse({ symbol: "X", price: "101.25" }).price.times(3).toString() === "303.75"
 */
export function decimal(options: DecimalOptions = {}): z.ZodType<Decimal, string | number | Decimal> {
  const min = options.min === undefined ? undefined : new Decimal(options.min);
  const max = options.max === undefined ? undefined : new Decimal(options.max);
  return z.union([z.string(), z.number(), z.instanceof(Decimal)]).transform((v, ctx) => {
    if (typeof v === "string" && !digits.test(v.trim())) {
      ctx.addIssue({ code: "custom", message: `expected a decimal number, got "${v}"` });
      return z.NEVER;
    }
    const d = new Decimal(typeof v === "string" ? v.trim() : v);
    if (!d.isFinite()) {
      ctx.addIssue({ code: "custom", message: "expected a finite decimal number" });
      return z.NEVER;
    }
    if (min !== undefined && d.lessThan(min))
      ctx.addIssue({ code: "custom", message: `expected at least ${min.toString()}` });
    if (max !== undefined && d.greaterThan(max))
      ctx.addIssue({ code: "custom", message: `expected at most ${max.toString()}` });
    if (options.places !== undefined && d.decimalPlaces() > options.places)
      ctx.addIssue({ code: "custom", message: `expected at most ${options.places} decimal places` });
    return d;
  }) as unknown as z.ZodType<Decimal, string | number | Decimal>;
}
