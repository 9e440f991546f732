/**
 * The answer of a store to an attempt to take or renew a named lease (one runner of a projection
 * across every process of the system): a lease is held by one holder until a time; a holder renews
 * it before then, or releases it; once it ends, the next attempt of anyone takes it.
 *
 * @example
 * const grant = await store.acquireLease("projection:account-view", node.id, 5000);
 * if (grant.held && grant.previous !== undefined && grant.previous !== node.id) log.info(`took over from ${grant.previous}`);
 */
export interface LeaseGrant {
  /** True when the caller holds the lease now, for the time it asked from the store's clock. */
  readonly held: boolean;
  /** Who holds it after the attempt: the caller when `held`, else the holder that refused it. */
  readonly holder: string;
  /** Who held it before the attempt (its lease ended, was released, or was the caller's), if anyone. */
  readonly previous: string | undefined;
}
