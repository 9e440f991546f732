import type { DefinitionRecord, ServiceRecord } from "./declared-flow-store.js";

/**
 * A row of the services table as the SQL drivers return it (times: numbers on SQLite, `bigint`
 * strings on PostgreSQL); inputs and outputs are JSON text.
 */
export interface ServiceRow {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly inputs: string;
  readonly outputs: string;
  readonly description: string | null;
  readonly created_at: number | string;
  readonly updated_at: number | string;
}

/** A flow's head joined with one of its versions (`deleted`: 0/1 on SQLite, a boolean on PostgreSQL). */
export interface DefinitionRow {
  readonly id: string;
  readonly name: string;
  readonly deleted: number | boolean;
  readonly version: number;
  readonly definition: string;
  readonly created_at: number | string;
}

/** The service a row holds. */
export function serviceRecordOf(r: ServiceRow): ServiceRecord {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    inputs: JSON.parse(r.inputs),
    outputs: JSON.parse(r.outputs),
    ...(r.description === null ? {} : { description: r.description }),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The definition version a row holds. */
export function definitionRecordOf(r: DefinitionRow): DefinitionRecord {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    definition: JSON.parse(r.definition),
    createdAt: Number(r.created_at),
    deleted: r.deleted === true || r.deleted === 1,
  };
}
