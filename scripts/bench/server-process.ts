import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { loadConfig } from '../../src/config/config';
import { connectFirestore } from '../../src/firestore/connect';
import { createLogger } from '../../src/log/logger';
import { createServerApp } from '../../src/server-app';
import type { Services } from '../../src/services';
import { listen } from '../../src/web/http-server';
import { stopOnRequest, type BenchReply, type BenchRequest, type ServerCounters } from './ipc';

// The server under test, forked by the benchmark. It reads its configuration from the
// environment and assembles the app with the same function as src/server.ts, then reports its
// Firestore operation counts and finished requests to the benchmark over the IPC channel.

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

class RequestTally {
  successfulLogins = 0;
  dashboardViews = 0;
  requestsInFlight = 0;

  /**
   * Wraps the app's request handler. Requests count when the app has finished with them, so a
   * login whose client hung up early still counts with the Firestore work it did.
   */
  wrap(handler: Handler): Handler {
    return async (req, res) => {
      this.requestsInFlight += 1;
      try {
        await handler(req, res);
      } finally {
        this.requestsInFlight -= 1;
        this.count(req, res);
      }
    };
  }

  private count(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'POST' && req.url === '/login' && res.statusCode === 303 && res.getHeader('location') === '/dashboard') {
      this.successfulLogins += 1;
    } else if (req.method === 'GET' && req.url === '/dashboard' && res.statusCode === 200) {
      this.dashboardViews += 1;
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, pretty: !config.isProduction });
  const connection = await connectFirestore(config, logger);
  const { app, services } = await createServerApp(config, connection.firestore, logger);
  const tally = new RequestTally();
  const server = await listen(tally.wrap(app.callback()), config);

  answerCounterRequests(services, tally);
  stopOnRequest(async () => {
    await closeServer(server);
    services.sessionChanges.stop();
    await connection.close();
  });
}

function answerCounterRequests(services: Services, tally: RequestTally): void {
  process.on('message', (message: BenchRequest) => {
    if (message.kind !== 'counters') {
      return;
    }
    const { reads, writes } = services.operations.snapshot();
    const counters: ServerCounters = {
      firestoreReads: reads,
      firestoreWrites: writes,
      successfulLogins: tally.successfulLogins,
      dashboardViews: tally.dashboardViews,
      requestsInFlight: tally.requestsInFlight,
    };
    process.send?.({ kind: 'counters', counters } satisfies BenchReply);
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

main().catch((error: unknown) => {
  process.stderr.write(`Bench server failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
