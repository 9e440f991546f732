import type { EntryInbox } from "../core/inbox.js";

export type { EntryInbox, InboxClaim } from "../core/inbox.js";

/**
 * The inbox of idempotent calls as a store backs it (SQLite, PostgreSQL): the node's `inbox`
 * option. `migrate()` creates its table; every adapter passes test/contract/inbox-store-contract.ts.
 *
 * @example
 * const inbox = postgresInbox({ pool });
 * await inbox.migrate();
 * createNode({ services, transport, inbox });
 */
export interface InboxStore extends EntryInbox {
  migrate(): Promise<void>;
  close(): Promise<void>;
}
