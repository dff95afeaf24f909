import autocannon from 'autocannon';
import type { LoginForm } from './sessions';

/** The figures of one autocannon run, measured on the client's side. */
export interface RunFigures {
  /** Responses with the expected outcome. */
  succeeded: number;
  /** Expected outcomes per second, from the start of the run to its last response or its stop. */
  perSecond: number;
  seconds: number;
  /** Latency percentiles of every response, in milliseconds. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Unexpected outcomes, such as "HTTP 500" or "connection error ECONNRESET", with their counts. */
  failures: Record<string, number>;
}

/** A run in progress. */
export interface Run {
  result: Promise<RunFigures>;
  /** Ends a run early. Responses that arrive while autocannon winds down still count. */
  stop(): void;
}

type Headers = Record<string, string | string[] | undefined>;

interface RunSpec {
  baseUrl: string;
  connections: number;
  requests: autocannon.Request[];
  /** Returns undefined for the expected outcome, else a description of what happened. */
  judge: (status: number, headers: Headers) => string | undefined;
  /** How long to run, in seconds; omit with `amount`. */
  seconds?: number;
  /** How many requests to send in all; the run ends after the last response. */
  amount?: number;
  /** Requests per second over all connections; omit for as many as the server takes. */
  overallRate?: number;
  timeoutSeconds: number;
}

/** Starts an autocannon run and gathers its figures. */
export function startRun(spec: RunSpec): Run {
  const latenciesMs: number[] = [];
  const failures: Record<string, number> = {};
  let succeeded = 0;
  let lastResponseAt = 0;
  const tally = (failure: string) => (failures[failure] = (failures[failure] ?? 0) + 1);

  const judged = spec.requests.map((request) => ({
    ...request,
    onResponse: (status: number, _body: string, _context: object, headers: Headers | undefined) => {
      const failure = spec.judge(status, lowerCaseKeys(headers ?? {}));
      if (failure === undefined) {
        succeeded += 1;
      } else {
        tally(failure);
      }
    },
  }));

  const startedAt = performance.now();
  let stoppedAt: number | undefined;
  let instance: autocannon.Instance | undefined;
  const result = new Promise<RunFigures>((resolve, reject) => {
    instance = autocannon(runOptions(spec, judged), (error: unknown) => {
      if (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      const seconds = Math.max((stoppedAt ?? lastResponseAt) - startedAt, 1) / 1000;
      resolve({ succeeded, perSecond: succeeded / seconds, seconds, ...percentiles(latenciesMs), failures });
    });
  });

  instance?.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
    latenciesMs.push(responseTimeMs);
    lastResponseAt = performance.now();
  });
  instance?.on('reqError', (error: NodeJS.ErrnoException) => tally(`connection error ${error.code ?? error.message}`));

  const stop = () => {
    stoppedAt ??= performance.now();
    instance?.stop();
  };
  return { result, stop };
}

function runOptions(spec: RunSpec, requests: autocannon.Request[]): autocannon.Options {
  return {
    url: spec.baseUrl,
    connections: spec.connections,
    requests,
    ...(spec.amount === undefined ? { duration: spec.seconds } : { amount: spec.amount }),
    // Latencies are recorded here as measured: autocannon's correction for a fixed rate would add
    // made-up samples.
    ...(spec.overallRate === undefined ? {} : { overallRate: spec.overallRate, ignoreCoordinatedOmission: true }),
    timeout: spec.timeoutSeconds,
    // autocannon checks for the end of a run once per sample interval: 100 ms, not 1 s, lets a
    // stopped run end promptly.
    sampleInt: 100,
  };
}

/**
 * Requests for a page, each connection cycling through the header sets (one per session).
 * Anything but 200 is a failure.
 */
export function pageViews(baseUrl: string, path: string, headerSets: Record<string, string>[]) {
  return {
    baseUrl,
    requests: headerSets.map((headers) => ({ method: 'GET' as const, path, headers })),
    judge: (status: number, headers: Headers) => (status === 200 ? undefined : describe(status, headers)),
  };
}

/**
 * Posts each form once, in order. A login succeeds with a redirect to the dashboard; the login
 * page again means the login was rejected.
 */
export function logins(baseUrl: string, forms: LoginForm[]) {
  let next = 0;
  const request: autocannon.Request = {
    method: 'POST',
    path: '/login',
    setupRequest: (template) => {
      const form = forms[next++];
      if (!form) {
        throw new Error(`autocannon asked for more than the ${forms.length} prepared login forms`);
      }
      return { ...template, headers: { ...template.headers, ...form.headers }, body: form.body };
    },
  };

  return {
    baseUrl,
    requests: [request],
    amount: forms.length,
    judge: (status: number, headers: Headers) =>
      status === 303 && headers.location === '/dashboard' ? undefined : describe(status, headers),
  };
}

function describe(status: number, headers: Headers): string {
  return headers.location ? `HTTP ${status} to ${String(headers.location)}` : `HTTP ${status}`;
}

function lowerCaseKeys(headers: Headers): Headers {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function percentiles(values: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = Float64Array.from(values).sort();
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[sorted.length - 1] ?? NaN };
}
