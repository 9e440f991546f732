import type { DeadLetter, DeadLetterQuery, DeadLetterStore } from "./dead-letter-store.js";
import { deadLetterHeaders, eventIdHeader } from "./durable-streams.js";
import { TesseraError } from "./errors.js";
import type { Transport } from "./transport.js";

const dlqHeaderNames = new Set<string>(Object.values(deadLetterHeaders));

function storeOf(transport: Transport): DeadLetterStore {
  const store = transport.deadLetters;
  if (store === undefined)
    throw TesseraError.unavailable(`the ${transport.kind} transport keeps no dead letters`);
  return store;
}

/**
 * Tools over a transport's dead letters: list, replay (publish again to the original subject, then
 * remove from the dead letters), drop.
 *
 * @example
 * const dlq = deadLetterTools(node.transport);
 * for (const l of await dlq.list({ service: "mailer" })) await dlq.replay(l.id);
 */
export function deadLetterTools(transport: Transport) {
  return {
    list: (query?: DeadLetterQuery) => storeOf(transport).list(query),
    /**
     * Publishes the letter again, with its original headers, to its original subject: every
     * durable consumer of that subject receives it (a consumer that keeps an inbox of handled ids
     * drops what it already handled). Then removes it. `TESSERA_NOT_FOUND` when it is not there.
     */
    async replay(id: string): Promise<DeadLetter> {
      const store = storeOf(transport);
      const found = await store.get(id);
      if (found === undefined) throw TesseraError.notFound(`no dead letter ${id}`);
      const durable = transport.durable;
      if (durable === undefined || found.letter.subject === "")
        throw TesseraError.unavailable(`dead letter ${id} cannot be published again`);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(found.headers)) if (!dlqHeaderNames.has(k)) headers[k] = v;
      // The consumers that handled it know it by its event id: their inboxes drop it.
      if (found.letter.eventId !== undefined) headers[eventIdHeader] = found.letter.eventId;
      // Its own publication id: the original's may still be in the medium's deduplication window.
      await durable.publish(found.letter.subject, found.data, { headers, id: `replay:${id}` });
      await store.remove(id);
      return found.letter;
    },
    async drop(id: string): Promise<DeadLetter> {
      const store = storeOf(transport);
      const found = await store.get(id);
      if (found === undefined || !(await store.remove(id)))
        throw TesseraError.notFound(`no dead letter ${id}`);
      return found.letter;
    },
  };
}
