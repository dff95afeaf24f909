import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { loadConfig, type Config } from './config/config';
import { ConfigError } from './config/config-error';
import { connectFirestore, type FirestoreConnection } from './firestore/connect';
import { createLogger } from './log/logger';
import { listen } from './web/http-server';
import { RepeatLimiter } from './log/repeat-limiter';
import { createServerApp } from './server-app';
import type { Services } from './services';
import type { UserRepository } from './users/user-repository';

// In-flight requests get this long to finish after SIGTERM before their connections are cut.
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ level: config.logLevel, pretty: !config.isProduction });
  const connection = await connectFirestore(config, logger);

  try {
    await serve(config, connection, logger);
  } catch (error) {
    await connection.close();
    throw error;
  }
}

async function serve(config: Config, connection: FirestoreConnection, logger: Logger): Promise<void> {
  const { app, services } = await createServerApp(config, connection.firestore, logger);

  let server: Server;
  try {
    server = await listen(app.callback(), config);
  } catch (error) {
    // Firestore refuses to close while a listener is open, which would hide this error.
    services.sessionChanges.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  logger.info({ url: `http://${displayHost(config.host)}:${port}` }, 'server listening');

  stopOnSignals(server, connection, services, logger);
  logStrayRejections(logger);
  await logFirstUserHint(services.users, logger);
}

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function displayHost(host: string): string {
  return host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host;
}

/**
 * Logs promise rejections that nothing handled instead of crashing. The Firestore client leaves
 * such rejections behind when it is terminated while calls abandoned at their deadline still
 * retry, and one of them must not take the server down.
 */
function logStrayRejections(logger: Logger): void {
  const repeats = new RepeatLimiter();

  process.on('unhandledRejection', (reason) => {
    const suppressed = repeats.admit(String((reason as Error | null)?.message ?? reason));
    if (suppressed !== undefined) {
      logger.error({ err: reason, suppressedSinceLast: suppressed }, 'unhandled promise rejection');
    }
  });
}

/** Logs how to create the first user when there is none. A Firestore failure here only warns. */
async function logFirstUserHint(users: UserRepository, logger: Logger): Promise<void> {
  try {
    if (!(await users.hasAnyUser())) {
      logger.info('no users yet; create the first one with: npm run users -- add NAME');
    }
  } catch (error) {
    logger.warn({ err: error }, 'checking for existing users failed; is Firestore reachable?');
  }
}

/** Stops accepting connections, lets in-flight requests finish, then closes Firestore. */
function stopOnSignals(server: Server, connection: FirestoreConnection, services: Services, logger: Logger): void {
  let stopping = false;

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');

    await closeServer(server);
    services.sessionChanges.stop();
    await closeFirestoreWithin(connection, SHUTDOWN_GRACE_MS, logger);
    logger.info('shutdown complete');
    process.exit(0);
  };

  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * Closes Firestore (saving the embedded emulator's data) but gives up after the grace period:
 * while Firestore is down, the client waits for its retrying calls for most of a minute.
 */
async function closeFirestoreWithin(connection: FirestoreConnection, graceMs: number, logger: Logger): Promise<void> {
  const closed = connection.close().then(
    () => true,
    (error: unknown) => {
      logger.error({ err: error }, 'closing Firestore failed');
      return true;
    },
  );
  const finished = await Promise.race([closed, sleep(graceMs, false)]);

  if (!finished) {
    logger.warn({ graceMs }, 'Firestore did not close within the grace period; exiting anyway');
  }
}

// How often idle keep-alive connections are closed while the server stops: a connection whose
// last request finishes becomes idle, and would otherwise stay open for the keep-alive timeout.
const IDLE_SWEEP_MS = 100;

/**
 * Stops accepting connections and lets in-flight requests finish, closing each connection as it
 * goes idle; after the grace period the remaining connections are cut.
 */
function closeServer(server: Server): Promise<void> {
  const forceClose = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  const idleSweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);

  return new Promise((resolve) => {
    server.close(() => {
      clearTimeout(forceClose);
      clearInterval(idleSweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function describeStartupFailure(error: unknown): string {
  if (error instanceof ConfigError) {
    return error.message;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

main().catch((error: unknown) => {
  process.stderr.write(`Startup failed: ${describeStartupFailure(error)}\n`);
  process.exit(1);
});
