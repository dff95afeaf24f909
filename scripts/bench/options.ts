import { availableParallelism } from 'node:os';
import { DEFAULT_BCRYPT_COST } from '../../src/config/config';

/** The settings of one benchmark run. */
export interface BenchOptions {
  /** Length of each measured phase, in seconds. */
  phaseSeconds: number;
  /** Unmeasured load before each page-view phase, in seconds, so that V8 has compiled the hot code. */
  warmupSeconds: number;
  /** bcrypt cost of the users' hashes and of the server's configuration. */
  bcryptCost: number;
  /** Concurrent connections that request pages. */
  pageConnections: number;
  /** Concurrent connections that post logins. */
  loginConnections: number;
  /** Dashboard views per second during the logins of the mixed phase; undefined: a share of the measured rate. */
  mixedViewsPerSecond: number | undefined;
  /** The maximum number of logins per login phase; each needs an anonymous session made beforehand. */
  maxLoginsPerPhase: number;
  /** Folder for a V8 CPU profile of the server process, or undefined for none. */
  cpuProfileDir: string | undefined;
  smoke: boolean;
}

export class BenchUsageError extends Error {}

export const BENCH_USAGE = `Usage: npm run bench [-- OPTIONS]

Measures the cost of a dashboard view and of a login against the server on loopback, next to a
bare Koa page that renders the same template. Each option can also be set by its variable.

  --seconds N            BENCH_SECONDS            seconds per measured phase (default 10)
  --warmup N             BENCH_WARMUP_SECONDS     unmeasured seconds before each page phase (default 2)
  --bcrypt-cost N        BENCH_BCRYPT_COST        bcrypt cost, 4 to 15 (default ${DEFAULT_BCRYPT_COST}, the server's)
  --connections N        BENCH_CONNECTIONS        connections requesting pages (default 10)
  --login-connections N  BENCH_LOGIN_CONNECTIONS  connections posting logins (default 4 per core)
  --mixed-view-rate N    BENCH_MIXED_VIEW_RATE    dashboard views per second while logins run
                                                  (default a fifth of the measured dashboard rate)
  --max-logins N         BENCH_MAX_LOGINS         the most logins per login phase (default 2000)
  --cpu-prof DIR         BENCH_CPU_PROF           write a V8 CPU profile of the server into DIR
  --smoke                                         a run of a few seconds with small numbers
  --help                                          print this text
`;

const SMOKE_DEFAULTS = {
  BENCH_SECONDS: '1',
  BENCH_WARMUP_SECONDS: '0.2',
  BENCH_BCRYPT_COST: '4',
  BENCH_CONNECTIONS: '4',
  BENCH_LOGIN_CONNECTIONS: '4',
  BENCH_MAX_LOGINS: '30',
};

const FLAG_VARIABLES: Record<string, string> = {
  '--seconds': 'BENCH_SECONDS',
  '--warmup': 'BENCH_WARMUP_SECONDS',
  '--bcrypt-cost': 'BENCH_BCRYPT_COST',
  '--connections': 'BENCH_CONNECTIONS',
  '--login-connections': 'BENCH_LOGIN_CONNECTIONS',
  '--mixed-view-rate': 'BENCH_MIXED_VIEW_RATE',
  '--max-logins': 'BENCH_MAX_LOGINS',
  '--cpu-prof': 'BENCH_CPU_PROF',
};

/**
 * Reads the options from command-line flags, which win, and BENCH_* variables. Throws
 * BenchUsageError on an unknown flag or a value out of range. Returns undefined for --help.
 */
export function parseBenchOptions(args: string[], env: NodeJS.ProcessEnv): BenchOptions | undefined {
  if (args.includes('--help')) {
    return undefined;
  }

  const smoke = args.includes('--smoke');
  const settings: Record<string, string | undefined> = { ...(smoke ? SMOKE_DEFAULTS : {}), ...env };
  Object.assign(settings, readFlags(args.filter((arg) => arg !== '--smoke')));

  return {
    phaseSeconds: readNumber(settings, 'BENCH_SECONDS', 10, 0.5, 600),
    warmupSeconds: readNumber(settings, 'BENCH_WARMUP_SECONDS', 2, 0, 60),
    bcryptCost: readInteger(settings, 'BENCH_BCRYPT_COST', DEFAULT_BCRYPT_COST, 4, 15),
    pageConnections: readInteger(settings, 'BENCH_CONNECTIONS', 10, 1, 1000),
    loginConnections: readInteger(settings, 'BENCH_LOGIN_CONNECTIONS', 4 * availableParallelism(), 1, 1000),
    mixedViewsPerSecond: settings.BENCH_MIXED_VIEW_RATE
      ? readInteger(settings, 'BENCH_MIXED_VIEW_RATE', 0, 1, 1_000_000)
      : undefined,
    maxLoginsPerPhase: readInteger(settings, 'BENCH_MAX_LOGINS', 2000, 1, 100_000),
    cpuProfileDir: settings.BENCH_CPU_PROF?.trim() || undefined,
    smoke,
  };
}

function readFlags(args: string[]): Record<string, string> {
  const values: Record<string, string> = {};

  for (let index = 0; index < args.length; index++) {
    const [flag, inlineValue] = args[index].split(/=(.*)/s, 2);
    const variable = FLAG_VARIABLES[flag];
    if (!variable) {
      throw new BenchUsageError(`Unknown option "${args[index]}"; see --help.`);
    }

    const value = inlineValue ?? args[++index];
    if (value === undefined) {
      throw new BenchUsageError(`Option ${flag} needs a value; see --help.`);
    }
    values[variable] = value;
  }

  return values;
}

function readNumber(settings: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = settings[name]?.trim();
  if (!raw) {
    return fallback;
  }

  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new BenchUsageError(`${name} "${raw}" is invalid: expected a number from ${min} to ${max}.`);
  }
  return value;
}

function readInteger(settings: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const value = readNumber(settings, name, fallback, min, max);
  if (!Number.isInteger(value)) {
    throw new BenchUsageError(`${name} "${settings[name]}" is invalid: expected a whole number from ${min} to ${max}.`);
  }
  return value;
}
