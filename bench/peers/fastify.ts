// Fastify 5: response schema (fast-json-stringify) on GET, ajv body schema on POST.
import { load } from "../lib/load.js";
import { announceServer } from "../lib/peer-process.js";
import { HELLO_PATH, hello, USER_PATH, type User, userReply } from "../lib/workload.js";

interface Reply {
  send(payload: unknown): void;
}
type Handler<Body> = (request: { body: Body }, reply: Reply) => void;
interface FastifyApp {
  get(path: string, options: object, handler: Handler<unknown>): void;
  post(path: string, options: object, handler: Handler<User>): void;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}

const { default: fastify } = await load<{ default: (options: object) => FastifyApp }>("fastify");
const app = fastify({ logger: false });

const userReplySchema = {
  type: "object",
  properties: { ok: { type: "boolean" }, name: { type: "string" } },
};

app.get(
  HELLO_PATH,
  { schema: { response: { 200: { type: "object", properties: { hello: { type: "string" } } } } } },
  (_request, reply) => reply.send(hello),
);

app.post(
  USER_PATH,
  {
    schema: {
      body: {
        type: "object",
        required: ["name", "email", "age", "active"],
        properties: {
          name: { type: "string" },
          email: { type: "string" },
          age: { type: "integer" },
          active: { type: "boolean" },
        },
      },
      response: { 200: userReplySchema },
    },
  },
  (request, reply) => reply.send(userReply(request.body)),
);

const url = await app.listen({ port: 0, host: "127.0.0.1" });
announceServer(url, () => app.close());
