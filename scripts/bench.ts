// Sizes the thread pool before anything can start it; see the module.
import './bench/thread-pool';
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword } from '../src/auth/passwords';
import { findFreePort } from '../src/firestore/free-port';
import { createServices } from '../src/services';
import { DEFAULT_SECURITY_POLICY } from '../src/config/security-policy';
import { DEFAULT_FEED_OPTIONS } from '../src/sessions/session-change-feed';
import { measureBcryptBound, type BcryptBound } from './bench/bcrypt-bound';
import { readServerCounters, startChild, type BenchChild } from './bench/children';
import type { ServerCounters } from './bench/ipc';
import { logins, pageViews, startRun, type RunFigures } from './bench/load-runs';
import { BENCH_USAGE, BenchUsageError, parseBenchOptions, type BenchOptions } from './bench/options';
import { cpuBetween, readPeakResidentBytes, sampleCpu, type CpuSplit } from './bench/proc-stats';
import { evaluateTargets, formatReport, type BenchResults, type Failure, type FirestoreCost, type MachineFacts } from './bench/report';
import { logInViewers, prepareLoginForms, type LoginForm, type ViewerSession } from './bench/sessions';
import { openScriptFirestore, reportStrayRejections, type ScriptFirestore } from './support/emulator';
import { createUsers } from './support/users';

// `npm run bench`: measures what a dashboard view and a login cost the server, next to a bare
// Koa page that renders the same template. See docs/benchmarks.md for the method. It exits 0
// whether or not the targets are met, and 1 when the benchmark itself failed.

const PASSWORD = 'bench passphrase for every user';
// Unexpected responses and connection errors a run may have and still count; more fail it.
const MAX_TOLERATED_FAILURES = 5;
// Hashes timed one at a time for the bcrypt bound, and rounds of one hash per core for comparison.
const BCRYPT_SERIAL_ROUNDS = 7;
const BCRYPT_PARALLEL_ROUNDS = 3;
const LOGIN_TIMEOUT_SECONDS = 60;
const PAGE_TIMEOUT_SECONDS = 10;
// The session cache sends heartbeats while it served 20 reads in the current or the previous
// second, so they stop at most this long after the last view. A phase's Firestore count waits
// for them, because they are part of what the views cost.
const HEARTBEAT_TAIL_MS = 2000 + DEFAULT_FEED_OPTIONS.heartbeatIntervalMs + 500;
// A fifth of the dashboard rate leaves the CPU to the logins while still keeping the session
// cache busy (it needs 20 session reads a second).
const MIXED_SHARE_OF_VIEW_RATE = 0.2;
const MIN_MIXED_VIEWS_PER_SECOND = 2 * DEFAULT_FEED_OPTIONS.busyReadsPerSecond;

const SERVER_SCRIPT = path.join(__dirname, 'bench', 'server-process.js');
const BARE_PAGE_SCRIPT = path.join(__dirname, 'bench', 'bare-page.js');

/** Everything a run starts, so that it can all be stopped at the end. */
interface Setup {
  options: BenchOptions;
  logDir: string;
  database: ScriptFirestore;
  server: BenchChild;
  barePage: BenchChild;
  viewers: ViewerSession[];
  loginForms: LoginForm[];
  mixedLoginForms: LoginForm[];
  failures: Failure[];
}

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2), process.env);
  if (!options) {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }

  reportStrayRejections();
  log(`measuring bcrypt at cost ${options.bcryptCost}`);
  const bcrypt = options.smoke
    ? await measureBcryptBound(options.bcryptCost, 3, 1)
    : await measureBcryptBound(options.bcryptCost, BCRYPT_SERIAL_ROUNDS, BCRYPT_PARALLEL_ROUNDS);
  const loginsPerPhase = Math.min(options.maxLoginsPerPhase, Math.max(options.loginConnections, Math.round(bcrypt.loginsPerSecond * options.phaseSeconds)));

  const database = await openScriptFirestore('bench');
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'firestore-login-bench-'));
  const failures: Failure[] = [];
  let setup: Setup | undefined;

  try {
    setup = await prepare(options, logDir, database, loginsPerPhase, failures);
    const results = await measure(setup, bcrypt);
    const peakResidentBytes = readPeakResidentBytes(setup.server.pid);
    results.server = { startupMs: setup.server.startupMs, peakResidentBytes };

    process.stdout.write(`${formatReport(results, evaluateTargets(results), failures)}\n`);
  } catch (error) {
    log(`the logs of the server and the bare page are kept in ${logDir}`);
    throw error;
  } finally {
    await setup?.server.stop();
    await setup?.barePage.stop();
    await database.close();
  }

  return finish(failures, logDir);
}

async function prepare(
  options: BenchOptions,
  logDir: string,
  database: ScriptFirestore,
  loginsPerPhase: number,
  failures: Failure[],
): Promise<Setup> {
  log(`creating ${loginsPerPhase + options.pageConnections} users in ${database.hostAndPort} (project ${database.projectId})`);
  const services = createServices(database.firestore, DEFAULT_SECURITY_POLICY);
  const viewerNames = names('bench-viewer', options.pageConnections);
  const loginNames = names('bench-user', loginsPerPhase);
  await createUsers(services.users, [...viewerNames, ...loginNames], await hashPassword(PASSWORD, options.bcryptCost));

  log('starting the server and the bare page');
  const server = await startServer(options, database, logDir);
  const barePage = await startChild({
    script: BARE_PAGE_SCRIPT,
    port: await findFreePort(),
    env: process.env,
    probePath: '/',
    logFile: path.join(logDir, 'bare-page.log'),
  });

  log(`logging in ${viewerNames.length} viewers and opening ${2 * loginsPerPhase} login forms`);
  const viewers = await logInViewers(server.baseUrl, viewerNames, PASSWORD, 0);
  const loginForms = await prepareLoginForms(server.baseUrl, loginNames, PASSWORD, viewerNames.length);
  const mixedLoginForms = await prepareLoginForms(server.baseUrl, loginNames, PASSWORD, viewerNames.length + loginsPerPhase);

  return { options, logDir, database, server, barePage, viewers, loginForms, mixedLoginForms, failures };
}

function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
}

/**
 * Forks the server as production runs it behind a TLS-terminating proxy, which the benchmark's
 * requests play with X-Forwarded-Proto. Other server variables in the environment (such as
 * SESSION_CACHE or LOGIN_CONCURRENCY) pass through.
 */
async function startServer(options: BenchOptions, database: ScriptFirestore, logDir: string): Promise<BenchChild> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    TRUST_PROXY: 'true',
    HOST: '127.0.0.1',
    FIRESTORE_EMULATOR_HOST: database.hostAndPort,
    GOOGLE_CLOUD_PROJECT: database.projectId,
    SESSION_KEYS: randomBytes(32).toString('hex'),
    BCRYPT_COST: String(options.bcryptCost),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const cpuProfile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfileDir)}`] : [];

  return startChild({
    script: SERVER_SCRIPT,
    port: await findFreePort(),
    env,
    probePath: '/healthz',
    logFile: path.join(logDir, 'server.log'),
    execArgv: cpuProfile,
  });
}

async function measure(setup: Setup, bcrypt: BcryptBound): Promise<BenchResults> {
  const { options } = setup;

  log('bare page');
  const bare = await measurePages(setup, setup.barePage, [{}], '/');

  log('dashboard views');
  const before = await readServerCounters(setup.server);
  const dashboard = await measurePages(setup, setup.server, viewerHeaders(setup), '/dashboard');
  const dashboardCost = costBetween(before, await settle(setup.server), 'dashboardViews');

  log(`${setup.loginForms.length} logins`);
  const beforeLogins = await readServerCounters(setup.server);
  const loginPhase = await measureLogins(setup);
  const loginCost = costBetween(beforeLogins, await settle(setup.server), 'successfulLogins');

  const viewsPerSecondRequested =
    options.mixedViewsPerSecond ?? Math.max(MIN_MIXED_VIEWS_PER_SECOND, Math.round(dashboard.run.perSecond * MIXED_SHARE_OF_VIEW_RATE));
  log(`${setup.mixedLoginForms.length} logins with ${viewsPerSecondRequested} dashboard views a second`);
  const mixed = await measureMixed(setup, viewsPerSecondRequested);

  return {
    options,
    machine: describeMachine(),
    bcrypt,
    bare,
    dashboard: { ...dashboard, cost: dashboardCost },
    logins: { ...loginPhase, cost: loginCost },
    mixed: { viewsPerSecondRequested, ...mixed },
    server: { startupMs: setup.server.startupMs, peakResidentBytes: undefined },
    sharedEmulator: setup.database.emulatorPid === undefined,
  };
}

/** Loads a page for the warm-up, then for the measured phase. */
async function measurePages(setup: Setup, target: BenchChild, headerSets: Record<string, string>[], pagePath: string) {
  const { options } = setup;
  const spec = { ...pageViews(target.baseUrl, pagePath, headerSets), connections: options.pageConnections, timeoutSeconds: PAGE_TIMEOUT_SECONDS };

  if (options.warmupSeconds > 0) {
    await startRun({ ...spec, seconds: options.warmupSeconds }).result;
  }
  return measureCpu(setup, () => collect(setup, `${pagePath} views`, startRun({ ...spec, seconds: options.phaseSeconds }).result));
}

async function measureLogins(setup: Setup) {
  const spec = logins(setup.server.baseUrl, setup.loginForms);
  const connections = Math.min(setup.options.loginConnections, setup.loginForms.length);
  return measureCpu(setup, () => collect(setup, 'logins', startRun({ ...spec, connections, timeoutSeconds: LOGIN_TIMEOUT_SECONDS }).result));
}

function viewerHeaders(setup: Setup): Record<string, string>[] {
  return setup.viewers.map((viewer) => viewer.headers);
}

/** Runs logins and, until they are done, dashboard views at a fixed rate. */
async function measureMixed(setup: Setup, viewsPerSecond: number) {
  const { options, server } = setup;
  const views = startRun({
    ...pageViews(server.baseUrl, '/dashboard', viewerHeaders(setup)),
    connections: options.pageConnections,
    overallRate: viewsPerSecond,
    // Longer than the logins can take; the run is stopped when they end.
    seconds: 24 * 60 * 60,
    timeoutSeconds: PAGE_TIMEOUT_SECONDS,
  });
  const loginSpec = logins(server.baseUrl, setup.mixedLoginForms);
  const connections = Math.min(options.loginConnections, setup.mixedLoginForms.length);

  const { run: loginRun, cpu } = await measureCpu(setup, async () => {
    try {
      return await collect(setup, 'logins during views', startRun({ ...loginSpec, connections, timeoutSeconds: LOGIN_TIMEOUT_SECONDS }).result);
    } finally {
      views.stop();
    }
  });
  const viewRun = await collect(setup, 'views during logins', views.result);
  await settle(server);

  return { views: viewRun, logins: loginRun, cpu };
}

/** Waits for a run and adds its unexpected outcomes to the run's failures. */
async function collect(setup: Setup, phase: string, result: Promise<RunFigures>): Promise<RunFigures> {
  const run = await result;
  for (const [outcome, count] of Object.entries(run.failures)) {
    setup.failures.push({ phase, outcome, count });
  }
  return run;
}

async function measureCpu(setup: Setup, work: () => Promise<RunFigures>): Promise<{ run: RunFigures; cpu: CpuSplit | undefined }> {
  const pids = {
    server: setup.server.pid,
    'bare page': setup.barePage.pid,
    emulator: setup.database.emulatorPid,
    'load generator': process.pid,
  };
  const before = sampleCpu(pids);
  const run = await work();
  const after = sampleCpu(pids);
  return { run, cpu: before && after ? cpuBetween(before, after) : undefined };
}

const SETTLE_POLL_MS = 50;
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Waits until the server has finished every request and the session cache's heartbeats have
 * stopped, then returns the server's counters.
 */
async function settle(server: BenchChild): Promise<ServerCounters> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while ((await readServerCounters(server)).requestsInFlight > 0) {
    if (Date.now() > deadline) {
      throw new Error(`the server still had requests in flight ${SETTLE_TIMEOUT_MS / 1000} s after a phase ended`);
    }
    await sleep(SETTLE_POLL_MS);
  }

  await sleep(HEARTBEAT_TAIL_MS);
  return readServerCounters(server);
}

function costBetween(before: ServerCounters, after: ServerCounters, requests: 'dashboardViews' | 'successfulLogins'): FirestoreCost {
  return {
    reads: after.firestoreReads - before.firestoreReads,
    writes: after.firestoreWrites - before.firestoreWrites,
    requests: after[requests] - before[requests],
  };
}

function describeMachine(): MachineFacts {
  return {
    cores: os.availableParallelism(),
    cpuModel: readCpuModel() ?? os.cpus()[0]?.model ?? 'unknown CPU',
    memoryBytes: os.totalmem(),
    nodeVersion: process.version,
    kernel: os.release(),
  };
}

function readCpuModel(): string | undefined {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim();
  } catch {
    return undefined;
  }
}

/** Returns the exit code: 1 when more requests failed than a run tolerates. Keeps the logs then. */
async function finish(failures: Failure[], logDir: string): Promise<number> {
  const failed = failures.reduce((sum, failure) => sum + failure.count, 0);
  if (failed > MAX_TOLERATED_FAILURES) {
    process.stderr.write(`Benchmark failed: ${failed} requests failed (at most ${MAX_TOLERATED_FAILURES} are tolerated). Server logs: ${logDir}\n`);
    return 1;
  }

  await rm(logDir, { recursive: true, force: true });
  return 0;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    const usage = error instanceof BenchUsageError;
    process.stderr.write(`${usage ? '' : 'Benchmark failed: '}${error instanceof Error ? (usage ? error.message : error.stack) : String(error)}\n`);
    process.exit(usage ? 2 : 1);
  },
);
