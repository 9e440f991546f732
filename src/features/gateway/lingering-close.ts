import type { Socket } from "node:net";

/** How long a connection closed with its request's body unread goes on reading (and dropping) what still comes. */
export const LINGER_MS = 2000;

const drop = () => undefined;

/**
 * Makes Node's close of `socket` after the answer (its `destroySoon`, called once a `Connection:
 * close` response is out) a lingering close, as web servers do: the socket ends its side, then
 * reads and drops what the client still sends, until the client closes or {@link LINGER_MS} pass.
 * A socket destroyed with request bytes still coming is reset by the kernel, which throws away the
 * answer the client had not read yet: a client still sending a body nobody reads (a GET with a
 * body, a 404, a 415, a 413) saw its connection reset instead of its answer.
 */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingering(this: Socket): void {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once("close", () => clearTimeout(timer));
    this.once("end", () => this.destroy());
    this.on("data", drop);
    this.resume();
  };
}
