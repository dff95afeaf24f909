import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchReply, BenchRequest, ServerCounters } from './ipc';

const STARTUP_TIMEOUT_MS = 60_000;
// Granularity of the startup time: how often the benchmark tries the probe URL.
const PROBE_INTERVAL_MS = 5;
const STOP_TIMEOUT_MS = 15_000;

/** A process forked by the benchmark: the server under test or the bare page. */
export interface BenchChild {
  process: ChildProcess;
  pid: number;
  baseUrl: string;
  /** From fork() to the first 200 response to the probe URL. */
  startupMs: number;
  /** Asks the process to stop, and kills it if it has not exited within 15 s. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  /** The compiled script to fork. */
  script: string;
  port: number;
  env: NodeJS.ProcessEnv;
  /** A path that returns 200 once the process serves requests. */
  probePath: string;
  /** File that receives the process's standard output and error. */
  logFile: string;
  /** Node flags for the process, e.g. to write a CPU profile. */
  execArgv?: string[];
}

/** Forks a compiled script and resolves once its probe URL returns 200. */
export async function startChild(options: ChildOptions): Promise<BenchChild> {
  const logFd = openSync(options.logFile, 'a');
  const startedAt = performance.now();
  const child = fork(options.script, [], {
    env: { ...options.env, PORT: String(options.port) },
    stdio: ['ignore', logFd, logFd, 'ipc'],
    execArgv: options.execArgv ?? [],
  });
  closeSync(logFd);

  const baseUrl = `http://127.0.0.1:${options.port}`;
  try {
    await waitForProbe(child, baseUrl + options.probePath, options.logFile);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    process: child,
    pid: child.pid as number,
    baseUrl,
    startupMs: performance.now() - startedAt,
    stop: () => stopChild(child),
  };
}

async function waitForProbe(child: ChildProcess, url: string, logFile: string): Promise<void> {
  const deadline = performance.now() + STARTUP_TIMEOUT_MS;

  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${url} never responded: the process exited with ${child.exitCode ?? child.signalCode}; see ${logFile}`);
    }
    if (await isResponding(url)) {
      return;
    }
    await sleep(PROBE_INTERVAL_MS);
  }

  throw new Error(`${url} did not return 200 within ${STARTUP_TIMEOUT_MS / 1000} s; see ${logFile}`);
}

async function isResponding(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }

  const exited = once(child, 'exit');
  child.send({ kind: 'stop' } satisfies BenchRequest);
  const stopped = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS, false)]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Asks the server process for its counters. */
export async function readServerCounters(server: BenchChild): Promise<ServerCounters> {
  const reply = new Promise<ServerCounters>((resolve, reject) => {
    const onMessage = (message: BenchReply) => {
      if (message.kind === 'counters') {
        server.process.off('exit', onExit);
        server.process.off('message', onMessage);
        resolve(message.counters);
      }
    };
    const onExit = () => reject(new Error('the server process exited while the benchmark read its counters'));
    server.process.on('message', onMessage);
    server.process.once('exit', onExit);
  });

  server.process.send({ kind: 'counters' } satisfies BenchRequest);
  return reply;
}
