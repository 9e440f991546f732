import type {
  DeclaredFlowStore,
  DefinitionRecord,
  NewDefinition,
  NewService,
  ServiceRecord,
} from "../../ports/declared-flow-store.js";

interface FlowRow {
  readonly id: string;
  readonly name: string;
  deleted: boolean;
  readonly versions: { version: number; definition: string; createdAt: number }[];
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The declared-flow store in memory (tests, `store: "memory"`): lost when the process ends.
 *
 * @example
 * const registry = memoryDeclaredFlowStore();
 */
export class MemoryDeclaredFlowStore implements DeclaredFlowStore {
  readonly kind = "memory";
  private readonly services = new Map<string, ServiceRecord>();
  private readonly flows = new Map<string, FlowRow>();

  async migrate(): Promise<void> {}

  async putService(s: NewService, now: number): Promise<ServiceRecord> {
    const prev = this.services.get(s.name);
    const rec: ServiceRecord = {
      id: prev?.id ?? s.id,
      name: s.name,
      address: s.address,
      inputs: structuredClone(s.inputs),
      outputs: structuredClone(s.outputs),
      ...(s.description === undefined ? {} : { description: s.description }),
      createdAt: prev?.createdAt ?? now,
      updatedAt: now,
    };
    this.services.set(s.name, rec);
    return structuredClone(rec);
  }

  async getService(idOrName: string): Promise<ServiceRecord | undefined> {
    const rec = this.serviceRow(idOrName);
    return rec === undefined ? undefined : structuredClone(rec);
  }

  async listServices(): Promise<ServiceRecord[]> {
    return [...this.services.values()].sort(byName).map((s) => structuredClone(s));
  }

  async deleteService(idOrName: string): Promise<boolean> {
    const rec = this.serviceRow(idOrName);
    return rec !== undefined && this.services.delete(rec.name);
  }

  async putDefinition(d: NewDefinition, now: number): Promise<DefinitionRecord> {
    let row = this.flows.get(d.name);
    if (row === undefined) {
      row = { id: d.id, name: d.name, deleted: false, versions: [] };
      this.flows.set(d.name, row);
    }
    row.deleted = false;
    const version = (row.versions.at(-1)?.version ?? 0) + 1;
    row.versions.push({ version, definition: JSON.stringify(d.definition), createdAt: now });
    return this.record(row, row.versions.at(-1)!);
  }

  async getDefinition(idOrName: string, version?: number): Promise<DefinitionRecord | undefined> {
    const row = this.flowRow(idOrName);
    if (row === undefined) return undefined;
    if (version === undefined) return row.deleted ? undefined : this.record(row, row.versions.at(-1)!);
    const v = row.versions.find((x) => x.version === version);
    return v === undefined ? undefined : this.record(row, v);
  }

  async listDefinitions(options: { readonly deleted?: boolean } = {}): Promise<DefinitionRecord[]> {
    return [...this.flows.values()]
      .filter((r) => options.deleted === true || !r.deleted)
      .sort(byName)
      .map((r) => this.record(r, r.versions.at(-1)!));
  }

  async listVersions(idOrName: string): Promise<DefinitionRecord[]> {
    const row = this.flowRow(idOrName);
    if (row === undefined || row.deleted) return [];
    return row.versions.map((v) => this.record(row, v));
  }

  async deleteDefinition(idOrName: string): Promise<boolean> {
    const row = this.flowRow(idOrName);
    if (row === undefined || row.deleted) return false;
    row.deleted = true;
    return true;
  }

  async close(): Promise<void> {}

  private serviceRow(idOrName: string): ServiceRecord | undefined {
    return this.services.get(idOrName) ?? [...this.services.values()].find((s) => s.id === idOrName);
  }

  private flowRow(idOrName: string): FlowRow | undefined {
    return [...this.flows.values()].find((r) => r.id === idOrName) ?? this.flows.get(idOrName);
  }

  private record(row: FlowRow, v: FlowRow["versions"][number]): DefinitionRecord {
    return {
      id: row.id,
      name: row.name,
      version: v.version,
      definition: JSON.parse(v.definition),
      createdAt: v.createdAt,
      deleted: row.deleted,
    };
  }
}

/** Creates a {@link MemoryDeclaredFlowStore}. */
export function memoryDeclaredFlowStore(): MemoryDeclaredFlowStore {
  return new MemoryDeclaredFlowStore();
}
