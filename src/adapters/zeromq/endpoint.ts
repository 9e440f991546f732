import { TesseraError } from "../../core/errors.js";

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

/** True for a `host:port` endpoint (or a `tcp://`/`ipc://` address), what the addresses file calls a direct socket. */
export function isDirectEndpoint(value: string): boolean {
  if (/^(tcp|ipc):\/\/\S+$/.test(value)) return true;
  const m = hostPort.exec(value);
  return m !== null && Number(m[2]) > 0 && Number(m[2]) < 65536;
}

/**
 * The zeromq address of an endpoint: `127.0.0.1:7001` → `tcp://127.0.0.1:7001`.
 *
 * @example
 * zmqAddress("127.0.0.1:7001") // "tcp://127.0.0.1:7001"
 */
export function zmqAddress(endpoint: string): string {
  if (!isDirectEndpoint(endpoint)) {
    throw new TesseraError(
      "TESSERA_CONFIG",
      `"${endpoint}" is not an endpoint: expected host:port (e.g. 127.0.0.1:7001) or tcp://host:port`,
    );
  }
  return endpoint.includes("://") ? endpoint : `tcp://${endpoint}`;
}
