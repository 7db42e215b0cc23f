import type * as net from "node:net";

/** "PRI" starts the HTTP/2 preface and cannot start an HTTP/1.1 request line our handlers accept. */
const h2Head = Buffer.from("PRI");

export interface RouteHandlers {
  /** Receives a connection that starts with the HTTP/2 preface; the bytes read are unshifted back. */
  h2(socket: net.Socket): void;
  /** Receives any other connection (garbage included: the HTTP/1.1 server answers 400 and closes). */
  h1(socket: net.Socket): void;
  /** A connection not routable within this long (silent, or stuck on a prefix of "PRI") is
   * destroyed; 0 waits forever. */
  timeoutMs: number;
  /** Called once when the connection is dropped before it was handed to a server. */
  dropped(reason: string): void;
}

/**
 * Reads a new connection's first bytes and hands it to the HTTP/2 or the HTTP/1.1 server. Until
 * then no server owns the socket, so an early end and silence are handled here (the caller
 * attaches an 'error' listener before this runs). Bytes are accumulated across reads, since a
 * client may send the preface one byte at a time.
 */
export function routeConnection(socket: net.Socket, handlers: RouteHandlers): void {
  let head = Buffer.alloc(0);
  const timer = handlers.timeoutMs > 0 ? setTimeout(() => drop("not routable within the sniff timeout"), handlers.timeoutMs) : undefined;
  const detach = () => {
    clearTimeout(timer);
    socket.off("readable", onReadable);
    socket.off("end", onEnd);
    socket.off("close", detach);
  };
  const drop = (reason: string) => {
    detach();
    handlers.dropped(reason);
    socket.destroy();
  };
  const onEnd = () => drop("ended before its first bytes could be routed");
  const onReadable = () => {
    for (let chunk: Buffer | null; (chunk = socket.read()) !== null;) head = Buffer.concat([head, chunk]);
    const n = Math.min(head.length, h2Head.length);
    if (n === 0) return;
    const isH2 = head.subarray(0, n).equals(h2Head.subarray(0, n));
    if (isH2 && n < h2Head.length) return; // a prefix of "PRI" so far: wait for more
    detach();
    socket.unshift(head);
    (isH2 ? handlers.h2 : handlers.h1)(socket);
  };
  socket.on("readable", onReadable);
  socket.on("end", onEnd);
  // Errors destroy the socket, which closes it: nothing more to route.
  socket.on("close", detach);
}
