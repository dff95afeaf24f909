import type { Server } from 'node:http';

// Idle keep-alive connections stay open longer than the keep-alive timeouts of the clients and
// proxies in front (Node's fetch keeps idle connections 4 s). A client then never reuses a
// connection that the server has just closed, which would fail with a reset.
const KEEP_ALIVE_TIMEOUT_MS = 620_000;

// Connections waiting to be accepted; Node's default of 511 overflows when a thousand clients
// connect at once, and the kernel then drops their first attempts for seconds.
export const LISTEN_BACKLOG = 4096;

/** Applies the connection settings to a server, before it listens. */
export function configureConnections(server: Server): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
}
