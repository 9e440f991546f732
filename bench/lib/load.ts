/**
 * Imports a peer framework from bench/node_modules.
 *
 * The specifier is deliberately not a literal: the root type check covers bench/ on a clean checkout,
 * where the peers are not installed, so each peer declares the few members it uses instead of
 * relying on the packages' own typings.
 */
export function load<T>(pkg: string): Promise<T> {
  return import(pkg) as Promise<T>;
}
