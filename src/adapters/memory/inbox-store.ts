import { LocalInbox } from "../../core/inbox.js";
import type { InboxStore } from "../../ports/inbox-store.js";

/** The inbox of idempotent calls in this process's memory (a node's default): lost on restart. */
export function memoryInbox(): InboxStore {
  const inbox = new LocalInbox();
  return Object.assign(inbox, { migrate: async () => undefined, close: async () => undefined });
}
