export { Decimal, type DecimalOptions, decimal } from "./decimal.js";
