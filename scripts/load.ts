import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { Firestore } from '@google-cloud/firestore';
import pino from 'pino';
import { createApp } from '../src/app';
import { hashPassword } from '../src/auth/passwords';
import { DEFAULT_SECURITY_POLICY } from '../src/config/security-policy';
import { createFirestoreReadinessCheck } from '../src/firestore/readiness';
import { createServices } from '../src/services';
import { DEFAULT_FEED_OPTIONS } from '../src/sessions/session-change-feed';
import { configureConnections, LISTEN_BACKLOG } from '../src/web/http-server';
import type { LoadClientOptions, LoadClientReport } from './load-clients';
import { openScriptFirestore, reportStrayRejections } from './support/emulator';
import { createUsers } from './support/users';

// Runs the server against its own emulator (or the one FIRESTORE_EMULATOR_HOST names, in a
// project of its own) and drives it from a worker thread: LOGIN_USERS concurrent logins while
// a few users keep viewing the dashboard for LOAD_SECONDS. Reports errors, latency percentiles
// and the server's event-loop delay, and exits 1 when a request failed without being throttled
// by design or a dashboard showed another user.

const LOGIN_USERS = Number(process.env.LOAD_USERS ?? 1000);
const VIEWERS = Number(process.env.LOAD_VIEWERS ?? 20);
const DURATION_MS = Number(process.env.LOAD_SECONDS ?? 20) * 1000;
// The login load is about concurrency, not hash strength; cost 8 keeps a run under a minute.
const BCRYPT_COST = Number(process.env.LOAD_BCRYPT_COST ?? 8);
const PASSWORD = 'load test passphrase';

const LOAD_SECURITY_POLICY = {
  ...DEFAULT_SECURITY_POLICY,
  // Every load client comes from 127.0.0.1, which the per-address limit would otherwise stop.
  loginAttemptsPerAddressPerMinute: LOGIN_USERS * 10,
};

async function main(): Promise<number> {
  reportStrayRejections();
  const { firestore, close } = await openScriptFirestore('load');

  try {
    const services = createServices(firestore, LOAD_SECURITY_POLICY, { sessionCache: DEFAULT_FEED_OPTIONS });
    const usernames = Array.from({ length: LOGIN_USERS }, (_, index) => `load${index}`);
    await createUsers(services.users, usernames, await hashPassword(PASSWORD, BCRYPT_COST));
    const server = await listen(services, firestore);
    const report = await driveLoad(server, usernames);
    server.close();
    services.sessionChanges.stop();
    return printReport(report);
  } finally {
    await close();
  }
}

/**
 * Server-side durations from the request log, by path: the time from the request reaching the
 * app to its response, without the clients' own queueing.
 */
const serverDurationsMs = new Map<string, number[]>();

function recordRequestLine(line: string): void {
  const entry = JSON.parse(line) as { msg?: string; method?: string; path?: string; durationMs?: number; level?: number };
  if (entry.msg === 'request finished' && entry.path && typeof entry.durationMs === 'number') {
    const route = `${entry.method} ${entry.path}`;
    const durations = serverDurationsMs.get(route) ?? [];
    durations.push(entry.durationMs);
    serverDurationsMs.set(route, durations);
  } else if ((entry.level ?? 0) >= 40) {
    process.stderr.write(`${line}\n`);
  }
}

async function listen(services: ReturnType<typeof createServices>, firestore: Firestore) {
  const requestLog = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunk.toString().split('\n').filter(Boolean).forEach(recordRequestLine);
      done();
    },
  });
  const app = createApp({
    services,
    security: LOAD_SECURITY_POLICY,
    checkReadiness: createFirestoreReadinessCheck(firestore),
    logger: pino({ level: 'info' }, requestLog),
    sessionKeys: [randomBytes(32).toString('hex')],
    bcryptCost: BCRYPT_COST,
    isProduction: false,
    loginGate: process.env.LOGIN_CONCURRENCY ? { concurrent: Number(process.env.LOGIN_CONCURRENCY) } : {},
    signupEnabled: false,
  });
  const server = createServer(app.callback());
  configureConnections(server);
  return new Promise<Server>((resolve) => {
    server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => resolve(server));
  });
}

async function driveLoad(server: Server, usernames: string[]): Promise<{ clients: LoadClientReport; loopDelayMs: number[] }> {
  const { port } = server.address() as AddressInfo;
  const options: LoadClientOptions = {
    baseUrl: `http://127.0.0.1:${port}`,
    usernames,
    password: PASSWORD,
    viewerCount: VIEWERS,
    durationMs: DURATION_MS,
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const worker = new Worker(path.join(__dirname, 'load-clients.js'), { workerData: options });
  const clients = await new Promise<LoadClientReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();

  loopDelay.disable();
  const loopDelayMs = [50, 99, 100].map((percentile) => loopDelay.percentile(percentile) / 1e6);
  return { clients, loopDelayMs };
}

function percentiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? NaN;
  return `p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${at(1).toFixed(1)} ms (n=${sorted.length})`;
}

function printReport({ clients, loopDelayMs }: { clients: LoadClientReport; loopDelayMs: number[] }): number {
  const lines = [
    `logins (bcrypt cost ${BCRYPT_COST}, ${LOGIN_USERS} concurrent): ${percentiles(clients.loginLatenciesMs)}`,
    `dashboard views (${VIEWERS} viewers during the logins): ${percentiles(clients.dashboardLatenciesMs)}`,
    `  measured in the server: POST /login ${percentiles(serverDurationsMs.get('POST /login') ?? [])}`,
    `  measured in the server: GET /dashboard ${percentiles(serverDurationsMs.get('GET /dashboard') ?? [])}`,
    `event-loop delay: p50 ${loopDelayMs[0].toFixed(1)} ms, p99 ${loopDelayMs[1].toFixed(1)} ms, max ${loopDelayMs[2].toFixed(1)} ms`,
    `throttled by design: ${clients.throttled}`,
    `sessions crossed between users: ${clients.crossedSessions}`,
    `errors: ${clients.errors.length}`,
    ...clients.errors.slice(0, 10).map((error) => `  ${error}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  return clients.errors.length === 0 && clients.crossedSessions === 0 ? 0 : 1;
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    process.stderr.write(`Load run failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
