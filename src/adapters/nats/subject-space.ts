import { TesseraError } from "../../core/errors.js";

/**
 * The subject space of one system on a shared NATS: with a system name, every subject on the wire
 * is `<system>.<subject>` and every stream name starts with `<SYSTEM>_`, so two systems on one
 * server (one account) neither answer each other's calls nor see each other's nodes or events
 * (issue 15, item 6). Without one, subjects are Tesserae's own (`tessera.*`), as before.
 */
export class SubjectSpace {
  private readonly prefix: string;

  constructor(readonly system?: string) {
    if (system !== undefined && !/^[A-Za-z0-9_-]+$/.test(system))
      throw new TesseraError(
        "TESSERA_CONFIG",
        `system name "${system}": use letters, digits, "_" and "-" only (it becomes a subject token)`,
      );
    this.prefix = system === undefined ? "" : `${system}.`;
  }

  /** The subject (or pattern) on the wire. */
  out(subject: string): string {
    return this.prefix + subject;
  }

  /** The subject as Tesserae knows it, from the wire. */
  in(subject: string): string {
    return this.prefix !== "" && subject.startsWith(this.prefix)
      ? subject.slice(this.prefix.length)
      : subject;
  }

  /** The default prefix of stream names: `TESSERA_`, after `<SYSTEM>_` when there is a system. */
  streamPrefix(): string {
    return this.system === undefined ? "TESSERA_" : `${this.system}_TESSERA_`;
  }
}
