/** The types a declared field may have (what machinery's service definitions name). */
export const fieldTypes = ["string", "int", "number", "boolean", "object", "array"] as const;
export type FieldType = (typeof fieldTypes)[number];

/** One input or output field of a registered service or a declared flow. */
export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly description?: string;
  /** Default true: a flow must provide the field (a step's input) or the event must carry it (a flow's input). */
  readonly required?: boolean;
}

/** A registered external HTTP service: the flow calls it by POSTing its inputs to `address`. */
export interface ServiceRecord {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly inputs: readonly FieldSpec[];
  readonly outputs: readonly FieldSpec[];
  readonly description?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewService {
  /** The id a new name takes (a name registered before keeps its own). */
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly inputs: readonly FieldSpec[];
  readonly outputs: readonly FieldSpec[];
  readonly description?: string | undefined;
}

/** One version of a declared flow's definition. */
export interface DefinitionRecord {
  /** The flow's id (the `workflow_id`), the same for every version. */
  readonly id: string;
  readonly name: string;
  /** 1, 2, …: each submission under the same name adds one. */
  readonly version: number;
  /** The definition as validated (JSON). */
  readonly definition: unknown;
  readonly createdAt: number;
  /** The flow was deleted (its versions stay readable by version for the runs that use them). */
  readonly deleted: boolean;
}

export interface NewDefinition {
  /** The id a new name takes (a name defined before keeps its own). */
  readonly id: string;
  readonly name: string;
  readonly definition: unknown;
}

/**
 * Where declared flows live: the registry of external services and the versioned definitions.
 * The memory, SQLite and PostgreSQL adapters pass one contract suite
 * (`test/contract/declared-flow-store-contract.ts`).
 */
export interface DeclaredFlowStore {
  readonly kind: string;
  /** Creates or upgrades the schema (versioned migrations). */
  migrate(): Promise<void>;
  /** Registers a service, or updates the one of that name (which keeps its id and creation time). */
  putService(service: NewService, now: number): Promise<ServiceRecord>;
  /** A service by id or name. */
  getService(idOrName: string): Promise<ServiceRecord | undefined>;
  /** The services, by name. */
  listServices(): Promise<ServiceRecord[]>;
  deleteService(idOrName: string): Promise<boolean>;
  /** Adds the next version of the definition of that name (1 for a new name; a deleted name goes on counting). */
  putDefinition(def: NewDefinition, now: number): Promise<DefinitionRecord>;
  /**
   * A definition by flow id or name: its latest version while the flow is not deleted, or the
   * given version (even of a deleted flow: runs keep the version they started with).
   */
  getDefinition(idOrName: string, version?: number): Promise<DefinitionRecord | undefined>;
  /** The latest version of every flow that is not deleted (or of every flow, with `deleted`), by name. */
  listDefinitions(options?: { readonly deleted?: boolean }): Promise<DefinitionRecord[]>;
  /** Every version of a flow that is not deleted, oldest first. */
  listVersions(idOrName: string): Promise<DefinitionRecord[]>;
  /** Deletes a flow (every version); false if there is none. */
  deleteDefinition(idOrName: string, now: number): Promise<boolean>;
  close(): Promise<void>;
}
