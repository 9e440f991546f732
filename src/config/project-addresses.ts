import { isAbsolute, resolve } from "node:path";
import { type Addresses, loadAddresses } from "../features/connections/addresses.js";
import { checkAddressNames } from "../features/connections/declared-addresses.js";
import type { Project } from "./load-project.js";

/** The execution setting naming the addresses file of the wired connections and states (relative to the project). */
export const ADDRESSES_SETTING = "TESSERA_ADDRESSES";

/**
 * The addresses file the project's settings name (`TESSERA_ADDRESSES`, relative to the project),
 * checked: its form, and that every name in it is a connection or state some service of the
 * project declares (`TESSERA_CONFIG` otherwise). `undefined` when no file is named.
 */
export function projectAddresses(project: Project): { file: string; addresses: Addresses } | undefined {
  const name = project.env[ADDRESSES_SETTING];
  if (name === undefined || name === "") return undefined;
  const file = isAbsolute(name) ? name : resolve(project.root, name);
  const addresses = loadAddresses(file);
  checkAddressNames(addresses, project.services, `the addresses file ${file}`);
  return { file, addresses };
}
