import { CliError } from "./cli-error.js";

/** The names of a new service: the service's own (kebab-case, its routes and file), its variable's. */
export interface ServiceNames {
  /** `order-book`: the service name, the route prefix `/order-book`, the files `order-book.ts`. */
  readonly kebab: string;
  /** `orderBook`: the exported variable. */
  readonly camel: string;
}

const kebabName = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const camelName = /^[a-z][a-zA-Z0-9]*$/;

// A variable cannot take these names; the last three are what the generated file imports.
const reserved = new Set(
  (
    "await break case catch class const continue debugger default delete do else enum export extends false " +
    "finally for function if implements import in instanceof interface let new null package private " +
    "protected public return static super switch this throw true try typeof var void while with yield " +
    "arguments eval entry service z"
  ).split(" "),
);

// The services a project gets from its features (flows, declared flows, diagrams): their routes are taken.
const builtinServices = ["flows", "diagrams", "declared-flows", "machinery"];

/**
 * The names of the service `tesserae add service <name>` creates: `<name>` in kebab-case
 * (`order-book`) or camelCase (`orderBook`) gives both; anything else is a one-line error.
 */
export function serviceNames(name: string): ServiceNames {
  let names: ServiceNames;
  if (kebabName.test(name)) {
    names = { kebab: name, camel: name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) };
  } else if (camelName.test(name)) {
    names = { kebab: name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), camel: name };
  } else {
    throw new CliError(
      `"${name}" is not a service name: use lower-case letters and digits, words joined by "-" (order-book) or in camelCase (orderBook)`,
    );
  }
  if (reserved.has(names.camel))
    throw new CliError(`"${name}" cannot name a variable in TypeScript: choose another name`);
  if (builtinServices.includes(names.kebab))
    throw new CliError(`"${names.kebab}" is the name of a service Tesserae adds itself: choose another name`);
  return names;
}

/** `src/<kebab>.ts`: a service with one entry, `POST /<kebab>/echo`. */
export function serviceSource({ kebab, camel }: ServiceNames): string {
  return `import { entry, service } from "tesserae";
import { z } from "zod";

/** The \`${kebab}\` service: each entry is an HTTP route, a bus subject and a typed call. */
export const ${camel} = service("${kebab}", {
  description: "The ${kebab} service",
  entries: {
    // POST /${kebab}/echo {"message":"hi"} → {"message":"hi"}
    echo: entry(
      {
        input: z.object({ message: z.string().min(1) }),
        output: z.object({ message: z.string() }),
        summary: "Answers with the message it is given",
      },
      ({ message }) => ({ message }),
    ),
  },
});
`;
}

/** `test/<kebab>.test.ts`: the entry over HTTP (in-process) and as a typed call. */
export function serviceTestSource({ kebab, camel }: ServiceNames): string {
  return `import { createGateway, createNode } from "tesserae";
import { memoryTransport } from "tesserae/memory";
import { testClient } from "tesserae/testing";
import { describe, expect, it } from "vitest";
import { ${camel} } from "../src/${kebab}.js";

const node = createNode({ services: [${camel}], transport: memoryTransport() });
const client = testClient(createGateway(node));

describe("${kebab}", () => {
  it("answers POST /${kebab}/echo with the message", async () => {
    const res = await client.post("/${kebab}/echo", { message: "hi" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: "hi" });
  });

  it("refuses an empty message with a 400 naming the field", async () => {
    const res = await client.post("/${kebab}/echo", { message: "" });
    expect(res.status).toBe(400);
    expect(res.text).toContain("message");
  });

  it("is a typed call too", async () => {
    expect(await node.call(${camel}.entries.echo, { message: "hi" })).toEqual({ message: "hi" });
  });
});
`;
}
