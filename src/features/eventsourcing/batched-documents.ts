import type { DocumentWrite, EventStoreTransaction } from "../../ports/event-store.js";
import type { Documents } from "./projection.js";

const GONE = Symbol("gone");

/**
 * The documents of one batch of an async projection: reads go to the transaction once per
 * document, writes stay here until `flush` sends them in one go (the last write of each document
 * wins). Read-your-writes holds within the batch.
 */
export class BatchedDocuments implements Documents {
  private readonly cache = new Map<string, { collection: string; id: string; doc: unknown }>();
  private readonly dirty = new Set<string>();

  constructor(private readonly tx: EventStoreTransaction) {}

  async get<T>(collection: string, id: string): Promise<T | undefined> {
    const key = `${collection}\u0000${id}`;
    let entry = this.cache.get(key);
    if (entry === undefined) {
      const doc = await this.tx.getDocument(collection, id);
      entry = { collection, id, doc: doc === undefined ? GONE : doc };
      this.cache.set(key, entry);
    }
    return entry.doc === GONE ? undefined : (structuredClone(entry.doc) as T);
  }

  /** Reads these documents in one go (those not read yet), so that `get` finds them here. */
  async prefetch(keys: readonly (readonly [collection: string, id: string])[]): Promise<void> {
    const byCollection = new Map<string, Set<string>>();
    for (const [collection, id] of keys) {
      if (this.cache.has(`${collection}\u0000${id}`)) continue;
      const ids = byCollection.get(collection) ?? new Set<string>();
      ids.add(id);
      byCollection.set(collection, ids);
    }
    for (const [collection, ids] of byCollection) {
      const found = await this.tx.getDocuments(collection, [...ids]);
      for (const id of ids) {
        this.cache.set(`${collection}\u0000${id}`, {
          collection,
          id,
          doc: found.has(id) ? found.get(id) : GONE,
        });
      }
    }
  }

  async put(collection: string, id: string, doc: unknown): Promise<void> {
    this.write(collection, id, structuredClone(doc));
  }

  async delete(collection: string, id: string): Promise<void> {
    this.write(collection, id, GONE);
  }

  private write(collection: string, id: string, doc: unknown): void {
    const key = `${collection}\u0000${id}`;
    this.cache.set(key, { collection, id, doc });
    this.dirty.add(key);
  }

  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const writes: DocumentWrite[] = [];
    for (const key of this.dirty) {
      const e = this.cache.get(key)!;
      writes.push({ collection: e.collection, id: e.id, doc: e.doc === GONE ? undefined : e.doc });
    }
    this.dirty.clear();
    await this.tx.writeDocuments(writes);
  }
}
