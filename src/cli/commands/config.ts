import { relative } from "node:path";
import type { Project } from "../../config/load-project.js";
import { configIssueLine, resolveConfig } from "../../core/config.js";
import { maskUrl } from "../../core/mask-url.js";
import { type CliCommand, listenOptions } from "../command.js";
import { table } from "../output.js";
import { settingRows } from "../settings-rows.js";

/** Which layer gave a config key: `--set`, `.env`, `.env.<stage>`, `process`, or `default` / `unset`. */
function layerOf(project: Project, key: { path: string; env: string; source: string }): string {
  if (key.source !== "env") return key.source;
  if (project.env[key.path] !== undefined && project.env[key.path] !== "") return "--set";
  return project.envSources[key.env] ?? "process";
}

export const configCommand: CliCommand = {
  name: "config",
  summary: "Show the resolved settings and service config, and where each value comes from",
  usage: "tesserae config [--json]",
  description:
    "Resolves the stage's settings (.env → .env.<stage> → process environment → --set) and every\n" +
    "service's config model, like `tesserae start` does, and shows each value with its layer: the system\n" +
    "name, NATS credentials and JetStream, the flow engine, egress, projection lease and management\n" +
    "settings, and the services' keys. Secrets are masked. Exits 1 when a key is missing or invalid.",
  examples: ["tesserae config", "tesserae config --stage prod --set TEXT_MAX_LENGTH=10 --json"],
  options: [{ name: "json", type: "boolean", description: "Print JSON instead of tables" }, ...listenOptions],
  async run(ctx) {
    const project = await ctx.project();
    const { keys, issues } = resolveConfig(project.services, project.env);
    const { store, gateway } = project.settings;
    const transport = maskUrl(project.settings.transport);
    const more = settingRows(project);
    const rows = keys.map((k) => ({
      path: k.path,
      env: k.env,
      source: layerOf(project, k),
      secret: k.secret,
      ...(k.secret || k.value === undefined ? {} : { value: k.value }),
    }));
    if (ctx.options.json === true) {
      const settings = {
        transport,
        store: store.display,
        // A relative `sqlite:` path is from the project file's folder, not from where the CLI runs.
        ...(store.path === undefined ? {} : { storeFile: store.path }),
        port: gateway.port,
        host: gateway.host,
      };
      const files = project.envFiles.map((f) => relative(project.root, f));
      ctx.out.out(
        JSON.stringify(
          {
            project: project.configFile,
            stage: project.stage,
            envFiles: files,
            settings: {
              ...settings,
              ...(project.settings.system === undefined ? {} : { system: project.settings.system }),
            },
            layers: more,
            keys: rows,
            issues,
          },
          null,
          2,
        ),
      );
      return issues.length === 0 ? 0 : 1;
    }
    const c = ctx.out.color;
    ctx.out.out(
      table([
        ["project", relative(ctx.cwd, project.configFile) || project.configFile],
        ["stage", project.stage],
        ["env files", project.envFiles.map((f) => relative(project.root, f)).join(", ") || c.dim("none")],
        ["transport", transport],
        [
          "store",
          store.path === undefined
            ? store.display
            : `${store.display} ${c.dim(`(file ${relative(ctx.cwd, store.path) || store.path})`)}`,
        ],
        ["gateway", `http://${gateway.host}:${gateway.port}`],
      ]),
    );
    ctx.out.out("");
    const value = (r: (typeof more)[number]) =>
      "value" in r
        ? typeof r.value === "string"
          ? r.value
          : JSON.stringify(r.value)
        : c.dim(r.default === undefined ? "unset" : `default ${r.default}`);
    ctx.out.out(
      table([
        ["SETTING", "ENV", "VALUE", "FROM"].map((h) => c.dim(h)),
        ...more.map((r) => [c.cyan(r.setting), r.env, value(r), r.from]),
      ]),
    );
    if (rows.length > 0) {
      const shown = (r: (typeof rows)[number]) =>
        r.secret ? c.dim("•••••• (secret)") : "value" in r ? JSON.stringify(r.value) : c.dim("unset");
      ctx.out.out("");
      ctx.out.out(
        table([
          ["KEY", "ENV", "VALUE", "FROM"].map((h) => c.dim(h)),
          ...rows.map((r) => [c.cyan(r.path), r.env, shown(r), r.source]),
        ]),
      );
    }
    if (issues.length > 0) {
      const ce = ctx.out.errColor;
      ctx.out.err(ce.red(`\n${issues.length === 1 ? "1 problem" : `${issues.length} problems`}:`));
      for (const i of issues) ctx.out.err(`  ${configIssueLine(i)}`);
      return 1;
    }
    return 0;
  },
};
