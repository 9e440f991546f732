// The Reply lives in core, so that a remote call can carry it over the wire (core/wire-reply.ts)
// and rebuild it on the gateway's side; the gateway's importers keep finding it here.
export { Reply, reply } from "../../core/reply.js";
