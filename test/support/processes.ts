import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export type Env = Record<string, string | undefined>;

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a compiled script with this Node binary, writes `stdin` to it and closes its input,
 * and resolves when it exits. Kills it with SIGKILL and rejects after `timeoutMs`.
 */
export async function runNodeScript(
  script: string,
  args: string[],
  options: { env: Env; stdin?: string; timeoutMs?: number },
): Promise<ProcessResult> {
  const running = startNodeScript(script, args, options.env);
  running.child.stdin?.end(options.stdin ?? '');

  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);

  try {
    const { exitCode, signal } = await running.exited;
    if (signal === 'SIGKILL') {
      throw new Error(
        `${script} ${args.join(' ')} timed out after ${timeoutMs} ms and was killed:\n${running.stdout()}\n${running.stderr()}`,
      );
    }
    return { exitCode, signal, stdout: running.stdout(), stderr: running.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

/** A child process started by a test, with its output so far. */
export interface RunningProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output streams have closed. */
  exited: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

/** Starts a compiled script with this Node binary and collects its output. */
export function startNodeScript(script: string, args: string[], env: Env): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;

  // A process that exits without reading its input (for "--help", say) makes writes to it fail
  // with EPIPE, which would otherwise crash the test runner.
  child.stdin?.on('error', () => undefined);
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const closed = once(child, 'close').then(([exitCode, signal]) => {
    exited = true;
    return { exitCode: exitCode as number | null, signal: signal as NodeJS.Signals | null };
  });

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: closed,
    hasExited: () => exited,
  };
}

/**
 * Polls a URL until it responds with the expected status. Fails early when the process that
 * should serve it exits, and after `timeoutMs` with the process's recent output.
 */
export async function waitForStatus(
  url: string,
  expectedStatus: number,
  server: RunningProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastResult = 'no response';

  while (Date.now() < deadline) {
    if (server.hasExited()) {
      throw new Error(`the server exited before ${url} responded:\n${server.stdout()}\n${server.stderr()}`);
    }

    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === expectedStatus) {
        return;
      }
      lastResult = `HTTP ${response.status}`;
    } catch (error) {
      lastResult = error instanceof Error ? error.message : String(error);
    }

    await sleep(200);
  }

  throw new Error(
    `${url} did not respond with ${expectedStatus} within ${timeoutMs} ms (last: ${lastResult}):\n` +
      `${server.stdout()}\n${server.stderr()}`,
  );
}

/**
 * Stops a process that a test started: SIGTERM, then SIGKILL if it is still running after
 * `graceMs`. Does nothing when it has already exited.
 */
export async function stopProcess(running: RunningProcess, graceMs = 20_000): Promise<void> {
  if (running.hasExited()) {
    return;
  }

  running.child.kill('SIGTERM');
  const stopped = await Promise.race([running.exited.then(() => true), sleep(graceMs, false)]);

  if (!stopped) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
}

export { isProcessRunning as isProcessAlive } from '../../src/firestore/emulator-lock';

/** Copies an environment, removing the named variables and then setting the given ones. */
export function buildEnv(base: Env, remove: string[], set: Env): Env {
  const env: Env = { ...base };
  for (const name of remove) {
    delete env[name];
  }
  return { ...env, ...set };
}
