import { createServer, type RequestListener, type Server } from 'node:http';
import { ConfigError } from '../config/config-error';

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

/**
 * Creates an HTTP server with the connection settings above and resolves once it listens.
 * A port in use rejects with a ConfigError that tells the user to set PORT.
 */
export function listen(handler: RequestListener, address: { host: string; port: number }): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    configureConnections(server);
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(`Port ${address.port} on ${address.host} is in use by another program: set PORT to a free port.`)
          : error,
      );
    });
    server.listen({ port: address.port, host: address.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
