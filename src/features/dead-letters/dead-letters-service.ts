import { z } from "zod";
import { deadLetterTools } from "../../core/dead-letter-tools.js";
import { entry } from "../../core/entry.js";
import { TesseraError } from "../../core/errors.js";
import type { NodePlugin } from "../../core/node.js";
import { type ServiceDef, service } from "../../core/service.js";
import type { Transport } from "../../core/transport.js";
import { type ManagementOptions, managementAuthorizer } from "../declared-flows/management-auth.js";

export interface DeadLettersOptions {
  /** Who may use the routes: the management API's credentials (token, or authorizer and role). */
  readonly management?: ManagementOptions;
  /** The first segment of its routes (default `dlq`). */
  readonly path?: string;
}

const List = z.object({
  service: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});
const Id = z.object({ id: z.string().min(1).max(300) });

/**
 * The dead letters of the node's transport over HTTP and the bus (service `dead-letters`), guarded by the management API's
 * credentials: `GET /dlq` (`?service=`, `?limit=`), `POST /dlq/:id/replay`, `DELETE /dlq/:id`.
 * `tesserae dlq list|replay|drop` calls them. The plugin gives the service its node's transport.
 *
 * @example
 * const dlq = deadLetters({ management: { token: process.env.TESSERA_MANAGEMENT_TOKEN } });
 * createNode({ services: [...mine, dlq.service], plugins: [dlq.plugin], transport });
 */
export function deadLetters(options: DeadLettersOptions = {}): { service: ServiceDef; plugin: NodePlugin } {
  const path = options.path ?? "dlq";
  let transport: Transport | undefined;
  const tools = () => {
    if (transport === undefined) throw TesseraError.unavailable("the dead letters' node is not started");
    return deadLetterTools(transport);
  };
  const authorize = managementAuthorizer(options.management);
  const svc = service("dead-letters", {
    ...(authorize === undefined ? {} : { authorize }),
    description: "Dead letters of the durable streams: list, replay, drop",
    entries: {
      list: entry(
        { input: List, route: `GET /${path}`, summary: "Dead letters, oldest first" },
        async (query) => ({ items: await tools().list(query) }),
      ),
      replay: entry(
        {
          input: Id,
          route: `POST /${path}/:id/replay`,
          summary: "Publishes a dead letter again, then removes it",
        },
        ({ id }) => tools().replay(id),
      ),
      drop: entry({ input: Id, route: `DELETE /${path}/:id`, summary: "Removes a dead letter" }, ({ id }) =>
        tools().drop(id),
      ),
    },
  });
  const plugin: NodePlugin = {
    name: "dead-letters",
    start: (node) => {
      transport = node.transport;
    },
  };
  return { service: svc, plugin };
}
