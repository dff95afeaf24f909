import { parentPort, workerData } from 'node:worker_threads';
import { CookieClient, csrfTokenIn } from './support/http-client';

// The load clients run in a worker thread, so that their own work does not show up as event-loop
// delay in the server, which runs on the main thread.

export interface LoadClientOptions {
  baseUrl: string;
  usernames: string[];
  password: string;
  /** How many users keep viewing the dashboard while the logins run. */
  viewerCount: number;
  durationMs: number;
}

export interface LoadClientReport {
  loginLatenciesMs: number[];
  dashboardLatenciesMs: number[];
  /** Requests that neither succeeded nor were throttled by design, with what happened. */
  errors: string[];
  throttled: number;
  /** Dashboards that showed another user's name: sessions crossing between users. */
  crossedSessions: number;
}

async function logIn(client: CookieClient, username: string, password: string, report: LoadClientReport): Promise<boolean> {
  const page = await client.get('/login');
  const token = csrfTokenIn(await page.text()) ?? '';
  const startedAt = performance.now();
  const response = await client.postForm('/login', { _csrf: token, username, password });
  await response.arrayBuffer();
  report.loginLatenciesMs.push(performance.now() - startedAt);

  // 429 is the per-address limit, and 503 with Retry-After a full login line: both by design.
  if (response.status === 429 || (response.status === 503 && response.headers.has('retry-after'))) {
    report.throttled += 1;
    return false;
  }
  if (response.status !== 303 || response.headers.get('location') !== '/dashboard') {
    report.errors.push(`login of ${username}: HTTP ${response.status} to ${response.headers.get('location')}`);
    return false;
  }
  return true;
}

async function viewDashboard(client: CookieClient, username: string, report: LoadClientReport): Promise<void> {
  const startedAt = performance.now();
  const response = await client.get('/dashboard');
  const html = await response.text();
  report.dashboardLatenciesMs.push(performance.now() - startedAt);

  if (response.status !== 200) {
    report.errors.push(`dashboard of ${username}: HTTP ${response.status}`);
    return;
  }
  const displayedUsername = /<h1>Welcome, ([^<]+)<\/h1>/.exec(html)?.[1];
  if (displayedUsername !== username) {
    report.crossedSessions += 1;
  }
}

async function keepViewing(client: CookieClient, username: string, until: number, report: LoadClientReport) {
  while (performance.now() < until) {
    await recordFailure(report, `dashboard of ${username}`, () => viewDashboard(client, username, report));
  }
}

/** Runs one client step, recording a network failure (reset, refused) as an error of the run. */
async function recordFailure(report: LoadClientReport, step: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    report.errors.push(`${step}: ${(error as Error).message} (${cause?.code ?? cause?.message ?? 'no cause'})`);
  }
}

async function run(options: LoadClientOptions): Promise<LoadClientReport> {
  const report: LoadClientReport = {
    loginLatenciesMs: [],
    dashboardLatenciesMs: [],
    errors: [],
    throttled: 0,
    crossedSessions: 0,
  };
  const viewers = options.usernames.slice(0, options.viewerCount).map((username) => ({
    username,
    client: new CookieClient(options.baseUrl),
  }));
  for (const viewer of viewers) {
    await logIn(viewer.client, viewer.username, options.password, report);
  }
  report.loginLatenciesMs = [];

  const until = performance.now() + options.durationMs;
  const viewing = viewers.map((viewer) => keepViewing(viewer.client, viewer.username, until, report));
  const logins = options.usernames.map((username) =>
    recordFailure(report, `login of ${username}`, async () => {
      const client = new CookieClient(options.baseUrl);
      if (await logIn(client, username, options.password, report)) {
        await viewDashboard(client, username, report);
      }
    }),
  );

  await Promise.all([...viewing, ...logins]);
  return report;
}

run(workerData as LoadClientOptions).then(
  (report) => parentPort?.postMessage(report),
  (error: unknown) => {
    throw error;
  },
);
