// The brokerless states peers (issue 18): the owner listens on a free loopback port and tells its
// holder processes where, through the environment they inherit.
import { createServer } from "node:net";

/** The variable naming the owner's `host:port` for the holders it starts. */
export const DIRECT_ENDPOINT = "BENCH_DIRECT_ENDPOINT";

/** A free `127.0.0.1:port`, set in `DIRECT_ENDPOINT` so that the holders started next connect to it. */
export async function directEndpoint(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
  const endpoint = `127.0.0.1:${port}`;
  process.env[DIRECT_ENDPOINT] = endpoint;
  return endpoint;
}

/** In a holder: the owner's endpoint, or undefined on the NATS variant of the scenario. */
export function ownerEndpoint(): string | undefined {
  const endpoint = process.env[DIRECT_ENDPOINT];
  return endpoint === undefined || endpoint === "" ? undefined : endpoint;
}
