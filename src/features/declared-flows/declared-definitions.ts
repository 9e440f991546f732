import { randomUUID } from "node:crypto";
import { TesseraError } from "../../core/errors.js";
import type { DeclaredFlowStore, DefinitionRecord } from "../../ports/declared-flow-store.js";
import type { FlowEngine } from "../flows/engine.js";
import { isAsl } from "./asl/asl-definition.js";
import { checkAslResources } from "./asl/asl-resources.js";
import { checkDefinition } from "./check-definition.js";
import { type DeclaredBody, declaredFlowDef } from "./declared-flow-def.js";
import type { FlowDefinition } from "./definition.js";
import { servicesOf } from "./definition-services.js";
import { type DefinitionWarning, warningsOf } from "./definition-warnings.js";
import type { FieldErrors } from "./field-errors.js";
import { parseDefinition } from "./parse-definition.js";
import { sameJson } from "./same-json.js";
import { type ServiceRegistry, shapeOf } from "./service-registry.js";

/** Why a submission was refused. */
export type Refusal =
  | { readonly kind: "invalid"; readonly errors: FieldErrors }
  | { readonly kind: "unknown-services"; readonly services: readonly string[]; readonly errors: FieldErrors };

export type Submission =
  /**
   * `created` false: the definition is the flow's latest version already (no new version).
   * `warnings`: what a lenient submission let through (none on a strict one).
   */
  | {
      readonly ok: true;
      readonly record: DefinitionRecord;
      readonly created: boolean;
      readonly warnings: readonly DefinitionWarning[];
    }
  | ({ readonly ok: false } & Refusal);

export interface SubmitOptions {
  /**
   * Accept what machinery accepts: for a definition in machinery's form (`services`), what the
   * checks find about the data between the services (an input or a declared output that nothing
   * provides, a type that does not match) is a warning, not a refusal. Its shape and unknown
   * services are still refused. Default false (Tesserae's own paths).
   */
  readonly lenient?: boolean;
}

export interface DeclaredDefinitionsOptions {
  readonly engine: FlowEngine;
  readonly store: DeclaredFlowStore;
  readonly registry: ServiceRegistry;
  readonly now: () => number;
  /** The store's migrations, awaited before the store is read or written. */
  readonly ready: () => Promise<void>;
  /** What runs every declared flow's steps. */
  readonly body: DeclaredBody;
}

/**
 * The definitions of declared flows: checked on submission (shape, then services, paths, inputs
 * and types), stored as versions of their name, and given to the engine as flows — the latest
 * version of each, deleted ones included so that their runs in flight go on.
 *
 * @example
 * const submitted = await definitions.submit({ name: "shout", services: ["upper"], inputs: [{ name: "message", type: "string" }] });
 * if (!submitted.ok) console.log(submitted.errors); // { "services.0.input.message": [ … ] }
 */
export class DeclaredDefinitions {
  private readonly declaredNames = new Set<string>();

  constructor(private readonly options: DeclaredDefinitionsOptions) {}

  /**
   * Checks a definition and stores it as the next version of its name, unless it is the same as
   * the latest version (then that version, `created: false`). Runs already started keep the version
   * they started with.
   */
  async submit(doc: unknown, options: SubmitOptions = {}): Promise<Submission> {
    const parsed = parseDefinition(doc);
    if (!parsed.ok) return { ok: false, kind: "invalid", errors: parsed.errors };
    // A workflow of machinery's /w merges its services' answers as machinery does (see FlowDefinition.answers).
    const def: FlowDefinition =
      options.lenient === true && !isAsl(parsed.definition)
        ? { ...parsed.definition, answers: "merged" }
        : parsed.definition;
    if (this.isCoded(def.name))
      return {
        ok: false,
        kind: "invalid",
        errors: { name: [`A flow written in code is named "${def.name}".`] },
      };
    await this.options.ready();
    const known = await this.options.registry.resolve(servicesOf(def));
    const stepsPath = Array.isArray((doc as { services?: unknown }).services) ? "services" : "steps";
    const check = isAsl(def)
      ? checkAslResources(def, (n) => known.has(n))
      : checkDefinition(
          def,
          (n) => {
            const item = known.get(n);
            return item === undefined ? undefined : shapeOf(item);
          },
          stepsPath,
        );
    if (check.unknownServices.length > 0)
      return { ok: false, kind: "unknown-services", services: check.unknownServices, errors: check.errors };
    const lenient = options.lenient === true && stepsPath === "services";
    const warnings = lenient ? warningsOf(check.errors) : [];
    if (!lenient && Object.keys(check.errors).length > 0)
      return { ok: false, kind: "invalid", errors: check.errors };
    // The same definition again (a client's retry, a deploy script run twice) is the same version.
    const latest = await this.options.store.getDefinition(def.name);
    // How answers are read is not part of the sameness: the same workflow sent to /w and to
    // /declared/flows is one version, read as its first submission set it.
    const { answers: _a, ...plain } = def;
    const { answers: _b, ...latestPlain } = (latest?.definition ?? {}) as FlowDefinition;
    if (latest !== undefined && !latest.deleted && sameJson(latestPlain, plain)) {
      this.ensureDefined(latest);
      return { ok: true, record: latest, created: false, warnings };
    }
    const record = await this.options.store.putDefinition(
      { id: randomUUID(), name: def.name, definition: def },
      this.options.now(),
    );
    this.define(record);
    return { ok: true, record, created: true, warnings };
  }

  /**
   * The latest version of a flow by id or name, or the given version — of a deleted flow too (its
   * versions stay readable, as its runs' are) — or `TESSERA_NOT_FOUND`.
   */
  async get(idOrName: string, version?: number): Promise<DefinitionRecord> {
    await this.options.ready();
    const rec = await this.options.store.getDefinition(idOrName, version);
    if (rec === undefined)
      throw TesseraError.notFound(
        `no declared flow ${idOrName}${version === undefined ? "" : ` version ${version}`}`,
      );
    return rec;
  }

  async list(): Promise<DefinitionRecord[]> {
    await this.options.ready();
    return this.options.store.listDefinitions();
  }

  async versions(idOrName: string): Promise<DefinitionRecord[]> {
    const list = await this.options.store.listVersions(idOrName);
    if (list.length === 0) throw TesseraError.notFound(`no declared flow ${idOrName}`);
    return list;
  }

  /** Deletes a flow: no new runs; its versions stay readable for the runs that use them. */
  async remove(idOrName: string): Promise<void> {
    const rec = await this.options.store.getDefinition(idOrName);
    if (rec === undefined || !(await this.options.store.deleteDefinition(idOrName, this.options.now())))
      throw TesseraError.notFound(`no declared flow ${idOrName}`);
    this.define({ ...rec, deleted: true });
  }

  /** Gives the engine every stored definition it does not have at its latest version. */
  async refresh(): Promise<void> {
    await this.options.ready();
    // Deleted flows too: their runs in flight go on (new ones are refused).
    for (const rec of await this.options.store.listDefinitions({ deleted: true })) this.ensureDefined(rec);
  }

  /** Defines the record's flow unless the engine has it at that version and deletion state. */
  ensureDefined(rec: DefinitionRecord): void {
    const current = this.options.engine.definitions.find((f) => f.name === rec.name);
    const deleted = (current?.options.input as { deleted?: boolean } | undefined)?.deleted === true;
    if (current === undefined || Number(current.version) < rec.version || deleted !== rec.deleted)
      this.define(rec);
  }

  isDeclared(flowName: string): boolean {
    return this.declaredNames.has(flowName);
  }

  private isCoded(name: string): boolean {
    return !this.declaredNames.has(name) && this.options.engine.definitions.some((f) => f.name === name);
  }

  /** Gives the engine the flow of a definition's name at its latest version. */
  private define(rec: DefinitionRecord): void {
    const flowDef = declaredFlowDef(rec, this.options.body, async (run) => {
      const version = await this.options.store.getDefinition(run.flow, Number(run.version));
      return version?.definition as FlowDefinition | undefined;
    });
    this.declaredNames.add(rec.name);
    this.options.engine.define(flowDef);
  }
}
