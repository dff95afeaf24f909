import type { BcryptBound } from './bcrypt-bound';
import type { RunFigures } from './load-runs';
import type { BenchOptions } from './options';
import type { CpuSplit } from './proc-stats';
import { THREAD_POOL_SIZE } from './thread-pool';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  nodeVersion: string;
  kernel: string;
}

/** Firestore operations that the server's data layer counted during a phase, and the successful requests they served. */
export interface FirestoreCost {
  reads: number;
  writes: number;
  /** Successful requests counted by the server: dashboard views or logins. */
  requests: number;
}

export interface PhaseResult {
  run: RunFigures;
  /** Undefined where /proc is missing. */
  cpu: CpuSplit | undefined;
}

export interface BenchResults {
  options: BenchOptions;
  machine: MachineFacts;
  bcrypt: BcryptBound;
  bare: PhaseResult;
  dashboard: PhaseResult & { cost: FirestoreCost };
  logins: PhaseResult & { cost: FirestoreCost };
  mixed: { viewsPerSecondRequested: number; views: RunFigures; logins: RunFigures; cpu: CpuSplit | undefined };
  server: { startupMs: number; peakResidentBytes: number | undefined };
  /** Whether the emulator was one that FIRESTORE_EMULATOR_HOST named, so its CPU time counts as "other". */
  sharedEmulator: boolean;
}

/** Responses of one kind that a phase did not expect, or connection errors. */
export interface Failure {
  phase: string;
  outcome: string;
  count: number;
}

export interface TargetResult {
  description: string;
  figure: string;
  met: boolean;
  /** The cause of a miss, from the run's own figures where they show it. */
  reason?: string;
}

// The benchmark's targets. A run reports each as met or missed; no test asserts them.
const MAX_READS_PER_VIEW = 1;
const MAX_WRITES_PER_VIEW = 0.05;
const MAX_READS_PER_LOGIN = 3;
const MAX_WRITES_PER_LOGIN = 3;
const MIN_SHARE_OF_BCRYPT_BOUND = 0.9;
const MAX_MIXED_VIEW_P99_MS = 50;
const MIN_SHARE_OF_BARE_PAGE = 0.1;
const STRETCH_SHARE_OF_BARE_PAGE = 0.4;

/** Checks each target against the figures of a run. */
export function evaluateTargets(results: BenchResults): TargetResult[] {
  const { dashboard, logins, mixed, bare } = results;
  const readsPerView = perRequest(dashboard.cost.reads, dashboard.cost);
  const writesPerView = perRequest(dashboard.cost.writes, dashboard.cost);
  const readsPerLogin = perRequest(logins.cost.reads, logins.cost);
  const writesPerLogin = perRequest(logins.cost.writes, logins.cost);
  const shareOfBound = logins.run.perSecond / results.bcrypt.loginsPerSecond;
  const shareOfBare = dashboard.run.perSecond / bare.run.perSecond;

  return [
    target(`Firestore reads per page view <= ${MAX_READS_PER_VIEW}`, fixed(readsPerView, 4), readsPerView <= MAX_READS_PER_VIEW, () =>
      `${dashboard.cost.reads} reads over ${dashboard.cost.requests} views: sessions were read from Firestore, not the session cache (is SESSION_CACHE=false, or did its listener fall behind?)`),
    target(`Firestore writes per page view < ${MAX_WRITES_PER_VIEW}`, fixed(writesPerView, 4), writesPerView < MAX_WRITES_PER_VIEW, () =>
      `${dashboard.cost.writes} writes over ${dashboard.cost.requests} views: session cache heartbeats (4 a second while busy) and session activity refreshes`),
    target(`Firestore reads per login <= ${MAX_READS_PER_LOGIN}`, fixed(readsPerLogin, 2), readsPerLogin <= MAX_READS_PER_LOGIN, () =>
      'a login reads the anonymous session, the login throttle record and the user, then the user again in the transaction that records the login'),
    target(`Firestore writes per login <= ${MAX_WRITES_PER_LOGIN}`, fixed(writesPerLogin, 2), writesPerLogin <= MAX_WRITES_PER_LOGIN, () =>
      'beyond deleting the anonymous session, creating the new one and recording the login: retried transactions or rehashed passwords'),
    target(`logins >= ${percent(MIN_SHARE_OF_BCRYPT_BOUND)} of the bcrypt bound`, percent(shareOfBound), shareOfBound >= MIN_SHARE_OF_BCRYPT_BOUND, () =>
      `${fixed(logins.run.perSecond, 2)} of ${fixed(results.bcrypt.loginsPerSecond, 2)} logins/s; ${describeCpuPerLogin(logins, results.bcrypt)}`),
    target(`dashboard p99 < ${MAX_MIXED_VIEW_P99_MS} ms while logins saturate the CPU`, `${fixed(mixed.views.p99Ms, 1)} ms`, mixed.views.p99Ms < MAX_MIXED_VIEW_P99_MS, () =>
      `the server's event loop shares ${results.machine.cores} cores with the hashing threads; ${describeCpu(mixed.cpu, 'CPU time went to')}`),
    target(`dashboard throughput >= ${percent(MIN_SHARE_OF_BARE_PAGE)} of the bare page`, percent(shareOfBare), shareOfBare >= MIN_SHARE_OF_BARE_PAGE, () =>
      describeCpuPerRequest(results)),
    target(`stretch: dashboard throughput >= ${percent(STRETCH_SHARE_OF_BARE_PAGE)} of the bare page`, percent(shareOfBare), shareOfBare >= STRETCH_SHARE_OF_BARE_PAGE, () =>
      describeCpuPerRequest(results)),
  ];
}

function target(description: string, figure: string, met: boolean, reason: () => string): TargetResult {
  return met ? { description, figure, met } : { description, figure, met, reason: reason() };
}

function perRequest(operations: number, cost: FirestoreCost): number {
  return cost.requests === 0 ? NaN : operations / cost.requests;
}

function describeCpuPerRequest(results: BenchResults): string {
  const viewMs = cpuMsPerRequest(results.dashboard, 'server');
  const bareMs = cpuMsPerRequest(results.bare, 'bare page');
  if (viewMs === undefined || bareMs === undefined) {
    return 'the CPU time per request is unknown here (no /proc)';
  }
  return `the server spent ${fixed(viewMs, 3)} ms of CPU per view, the bare page ${fixed(bareMs, 3)} ms per page`;
}

/** Returns the CPU milliseconds that a process spent per successful request of a phase. */
function cpuMsPerRequest(phase: PhaseResult, processName: string): number | undefined {
  const seconds = phase.cpu?.processSeconds[processName];
  return seconds === undefined || phase.run.succeeded === 0 ? undefined : (seconds * 1000) / phase.run.succeeded;
}

/** Splits the CPU time of the login phase per login, next to the time of one hash. */
function describeCpuPerLogin(logins: PhaseResult, bcrypt: BcryptBound): string {
  const { cpu, run } = logins;
  if (!cpu || run.succeeded === 0) {
    return 'the CPU time per login is unknown here (no /proc, or no login succeeded)';
  }

  const perLogin = (seconds: number) => `${fixed((seconds * 1000) / run.succeeded, 1)} ms`;
  const parts = Object.entries(cpu.processSeconds)
    .filter(([name, seconds]) => name === 'server' || seconds >= 0.05)
    .map(([name, seconds]) => `${name} ${perLogin(seconds)}`);
  parts.push(`other processes ${perLogin(cpu.otherSeconds)}`, `idle ${perLogin(cpu.idleSeconds)}`);
  return `CPU time per login: ${parts.join(', ')}, where one hash alone takes ${fixed(bcrypt.serialMedianMs, 1)} ms`;
}

function describeCpu(cpu: CpuSplit | undefined, lead: string): string {
  if (!cpu) {
    return 'CPU time unknown (no /proc)';
  }
  const parts = Object.entries(cpu.processSeconds)
    .filter(([name, seconds]) => name === 'server' || seconds >= 0.05)
    .map(([name, seconds]) => `${name} ${fixed(seconds, 1)}`);
  parts.push(`other processes ${fixed(cpu.otherSeconds, 1)}`, `idle ${fixed(cpu.idleSeconds, 1)}`);
  return `${lead} (core-seconds of ${fixed(cpu.totalSeconds, 1)}): ${parts.join(', ')}`;
}

/** Formats the whole report as lines of text. */
export function formatReport(results: BenchResults, targets: TargetResult[], failures: Failure[]): string {
  return [
    ...describeSetup(results),
    '',
    ...describeBcrypt(results.bcrypt),
    '',
    ...describePages(results),
    '',
    ...describeLogins(results),
    '',
    ...describeMixed(results),
    '',
    'server process',
    `  startup: ${fixed(results.server.startupMs, 0)} ms from spawn to the first 200 from GET /healthz`,
    `  peak resident memory (VmHWM): ${results.server.peakResidentBytes === undefined ? 'unknown (no /proc)' : mebibytes(results.server.peakResidentBytes)}`,
    '',
    'targets',
    ...targets.flatMap(describeTarget),
    '',
    failures.length === 0 ? 'unexpected responses and errors: none' : 'unexpected responses and errors:',
    ...failures.map((failure) => `  ${failure.phase}: ${failure.count} x ${failure.outcome}`),
  ].join('\n');
}

function describeSetup({ machine, options, sharedEmulator }: BenchResults): string[] {
  return [
    `machine: ${machine.cores} cores (${machine.cpuModel}), ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, Node ${machine.nodeVersion}, Linux ${machine.kernel}`,
    `phases of ${options.phaseSeconds} s after ${options.warmupSeconds} s of warm-up; ${options.pageConnections} page connections, ${options.loginConnections} login connections${options.smoke ? '; smoke run: figures mean nothing' : ''}`,
    `server: NODE_ENV=production behind a simulated TLS proxy, UV_THREADPOOL_SIZE=${THREAD_POOL_SIZE}, LOGIN_CONCURRENCY=${process.env.LOGIN_CONCURRENCY ?? 'default'}, SESSION_CACHE=${process.env.SESSION_CACHE ?? 'default'}`,
    `the server, the Firestore emulator${sharedEmulator ? ' (shared, counted as other)' : ''} and this load generator share the machine; "other processes" is CPU time that none of them used`,
  ];
}

function describeBcrypt(bcrypt: BcryptBound): string[] {
  return [
    `bcrypt at cost ${bcrypt.cost}`,
    `  one hash: ${fixed(bcrypt.serialMedianMs, 1)} ms alone (median of ${bcrypt.serialSamples}), ${fixed(bcrypt.parallelMedianMs, 1)} ms with all ${bcrypt.cores} cores hashing (median of ${bcrypt.parallelSamples})`,
    `  bound: ${bcrypt.cores} cores / ${fixed(bcrypt.serialMedianMs, 1)} ms = ${fixed(bcrypt.loginsPerSecond, 2)} logins/s`,
  ];
}

function describePages({ bare, dashboard }: BenchResults): string[] {
  const viewCpuMs = cpuMsPerRequest(dashboard, 'server');
  const bareCpuMs = cpuMsPerRequest(bare, 'bare page');
  return [
    'bare page (Koa and nunjucks, no session, no database)',
    `  ${describeRun(bare.run, 'pages')}`,
    `  ${describeCpu(bare.cpu, 'CPU')}${bareCpuMs === undefined ? '' : `; ${fixed(bareCpuMs, 3)} ms per page`}`,
    'authenticated dashboard views',
    `  ${describeRun(dashboard.run, 'views')}: ${percent(dashboard.run.perSecond / bare.run.perSecond)} of the bare page`,
    `  Firestore per view: ${fixed(perRequest(dashboard.cost.reads, dashboard.cost), 4)} reads, ${fixed(perRequest(dashboard.cost.writes, dashboard.cost), 4)} writes (${dashboard.cost.reads} reads, ${dashboard.cost.writes} writes over ${dashboard.cost.requests} views counted by the server)`,
    `  ${describeCpu(dashboard.cpu, 'CPU')}${viewCpuMs === undefined ? '' : `; server ${fixed(viewCpuMs, 3)} ms per view`}`,
  ];
}

function describeLogins({ logins, bcrypt }: BenchResults): string[] {
  return [
    `logins at bcrypt cost ${bcrypt.cost}`,
    `  ${describeRun(logins.run, 'logins')}: ${percent(logins.run.perSecond / bcrypt.loginsPerSecond)} of the bcrypt bound`,
    `  Firestore per login: ${fixed(perRequest(logins.cost.reads, logins.cost), 2)} reads, ${fixed(perRequest(logins.cost.writes, logins.cost), 2)} writes (${logins.cost.reads} reads, ${logins.cost.writes} writes over ${logins.cost.requests} logins counted by the server)`,
    `  ${describeCpu(logins.cpu, 'CPU')}`,
  ];
}

function describeMixed({ mixed, bcrypt }: BenchResults): string[] {
  return [
    `dashboard views at ${mixed.viewsPerSecondRequested}/s requested, while logins saturate the CPU`,
    `  ${describeRun(mixed.views, 'views')}`,
    `  logins meanwhile: ${describeRun(mixed.logins, 'logins')}: ${percent(mixed.logins.perSecond / bcrypt.loginsPerSecond)} of the bcrypt bound`,
    `  ${describeCpu(mixed.cpu, 'CPU')}`,
  ];
}

function describeRun(run: RunFigures, unit: string): string {
  return `${fixed(run.perSecond, 1)} ${unit}/s, latency p50 ${fixed(run.p50Ms, 2)} ms, p99 ${fixed(run.p99Ms, 2)} ms, max ${fixed(run.maxMs, 1)} ms (${run.succeeded} ${unit} in ${fixed(run.seconds, 2)} s)`;
}

function describeTarget(result: TargetResult): string[] {
  const line = `  ${result.met ? 'met   ' : 'MISSED'} ${result.description}: ${result.figure}`;
  return result.reason ? [line, `         reason: ${result.reason}`] : [line];
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function percent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : 'n/a';
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
