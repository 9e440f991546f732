import { TesseraError } from "../../core/errors.js";

/**
 * Room left in a snapshot for what travels with its value: the reply's headers, the stored
 * value's epoch, number and codec name.
 */
const envelopeBytes = 512;

/**
 * Keeps a state's whole value within the transport's payload limit, so that the value can still
 * be served as a snapshot and stored. Encoding the whole value at every delta would cost too much;
 * instead a delta's bytes bound how much it can grow the value, and the value is encoded (and
 * measured exactly) only when the last measure plus the deltas since could pass the limit.
 *
 * @example
 * size.check(deltaBytes.byteLength, () => codec.encode(snapshot), applied.undo); // TESSERA_PAYLOAD_TOO_LARGE
 */
export class ValueSize {
  /** The value's size when last measured (`undefined`: not measured yet), plus the deltas since. */
  private bound: number | undefined;

  constructor(
    private readonly state: string,
    private readonly limit: () => number,
  ) {}

  /** The whole value was just encoded (a full update, a snapshot): its size is known. */
  measured(bytes: number): void {
    this.bound = bytes;
  }

  /** The value changed in a way not measured (a restart from the stored value). */
  forget(): void {
    this.bound = undefined;
  }

  /**
   * A delta of `deltaBytes` was applied: throws `TESSERA_PAYLOAD_TOO_LARGE` when the resulting
   * value (encoded by `encodeValue` only if it could be too large) does not fit the limit, after
   * calling `undo` (which takes the delta back).
   */
  check(deltaBytes: number, encodeValue: () => Uint8Array, undo: () => unknown): void {
    const limit = this.limit() - envelopeBytes;
    if (this.bound !== undefined && this.bound + deltaBytes <= limit) {
      this.bound += deltaBytes;
      return;
    }
    const size = encodeValue().byteLength;
    if (size > limit) {
      undo();
      throw new TesseraError(
        "TESSERA_PAYLOAD_TOO_LARGE",
        `state ${this.state}: the update would make the value ${size} bytes, over the ${limit} bytes a snapshot may carry (the transport's limit of ${this.limit()} less ${envelopeBytes} for its envelope): the update is not applied; delete keys, or split the state`,
        { details: { size, limit } },
      );
    }
    this.bound = size;
  }
}
