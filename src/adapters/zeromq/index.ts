export { isDirectEndpoint, zmqAddress } from "./endpoint.js";
export { type ZeromqTransportOptions, zeromqTransport } from "./zeromq-transport.js";
