import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../config/config-error';

const EMULATOR_MAIN_CLASS = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const EXPORT_FOLDER = 'firestore-export';

export interface EmulatorOptions {
  jarPath: string;
  host?: string;
  port: number;
  /** Folder whose export seeds the emulator at start and receives a fresh export at stop. */
  dataDir?: string;
  /** Project whose documents are exported at stop; only used with dataDir. */
  projectId?: string;
  rulesPath?: string;
}

/** A running Cloud Firestore emulator started by this process. */
export interface RunningEmulator {
  /** host:port, the value for FIRESTORE_EMULATOR_HOST. */
  readonly hostAndPort: string;
  readonly pid: number | undefined;
  /** Exports the data (when a data folder was given), then stops the emulator. */
  stop(): Promise<void>;
}

/** Starts the emulator jar with Java and resolves once it responds to HTTP requests. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const hostAndPort = `${host}:${options.port}`;
  const args = await buildEmulatorArguments(options, host);
  // A process group of its own keeps a terminal's Ctrl-C from killing the emulator before this
  // process has saved its data. The exit hook below still ends it when this process exits.
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output = collectRecentOutput(child);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));

  try {
    await waitUntilReady(child, hostAndPort, output, options.port);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    hostAndPort,
    pid: child.pid,
    stop: () => stopEmulator(child, hostAndPort, options),
  };
}

async function buildEmulatorArguments(options: EmulatorOptions, host: string): Promise<string[]> {
  // The JVM flag keeps the emulator's messages in English, as Google's own launcher script does.
  const args = ['-Duser.language=en', '-cp', options.jarPath, EMULATOR_MAIN_CLASS, 'start'];
  args.push(`--host=${host}`, `--port=${options.port}`);

  if (options.rulesPath) {
    args.push(`--rules=${options.rulesPath}`);
  }

  const seed = options.dataDir ? await findExportMetadata(options.dataDir) : undefined;
  if (seed) {
    args.push(`--seed_from_export=${seed}`);
  }

  return args;
}

/** Returns the metadata file of the saved export in dataDir, or undefined when there is none. */
async function findExportMetadata(dataDir: string): Promise<string | undefined> {
  const exportDir = path.resolve(dataDir, EXPORT_FOLDER);
  const entries = await readdir(exportDir, { recursive: true }).catch(() => []);
  const metadata = entries.find((entry) => entry.endsWith('.overall_export_metadata'));

  return metadata ? path.join(exportDir, metadata) : undefined;
}

function collectRecentOutput(child: ChildProcess): () => string {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter((line) => line.trim() !== ''));
    lines.splice(0, Math.max(0, lines.length - 20));
  };

  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  return () => lines.join('\n');
}

async function waitUntilReady(
  child: ChildProcess,
  hostAndPort: string,
  recentOutput: () => string,
  port: number,
): Promise<void> {
  let failure: Error | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    failure =
      error.code === 'ENOENT'
        ? new ConfigError(
            'Java was not found on PATH; the Firestore emulator needs Java 11 or newer ' +
              '(on Debian: apt-get install openjdk-17-jre-headless).',
          )
        : new Error(`starting Java failed: ${error.message}`);
  });
  child.once('exit', (code) => {
    failure ??= describeEarlyExit(code, recentOutput(), port);
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (failure) {
      throw failure;
    }
    if (await isEmulatorAnswering(hostAndPort)) {
      return;
    }
    await sleep(100);
  }

  throw new Error(
    `the Firestore emulator did not respond on ${hostAndPort} within ${READY_TIMEOUT_MS / 1000} s:\n` +
      recentOutput(),
  );
}

function describeEarlyExit(code: number | null, output: string, port: number): Error {
  if (/Address already in use|BindException/.test(output)) {
    return new ConfigError(
      `The Firestore emulator could not listen on port ${port}: another program uses it. ` +
        'Stop that program or set FIRESTORE_EMULATOR_PORT to a free port.',
    );
  }
  return new Error(`the Firestore emulator exited with code ${code} before it was ready:\n${output}`);
}

/** Checks whether an emulator at host:port returns "Ok" from its root URL. */
export async function isEmulatorAnswering(hostAndPort: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${hostAndPort}/`, { signal: AbortSignal.timeout(1000) });
    return response.ok && (await response.text()).trim() === 'Ok';
  } catch {
    return false;
  }
}

async function stopEmulator(
  child: ChildProcess,
  hostAndPort: string,
  options: EmulatorOptions,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }

  if (options.dataDir && options.projectId) {
    await exportEmulatorData(hostAndPort, options.dataDir, options.projectId);
  }

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS, false)]);

  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Saves the project's documents into dataDir. The export is written to a folder of its own first
 * and then swapped in, so an interrupted export never destroys the previous one and two
 * processes exporting at once do not write into each other's folder.
 */
export async function exportEmulatorData(hostAndPort: string, dataDir: string, projectId: string): Promise<void> {
  const finalDir = path.resolve(dataDir, EXPORT_FOLDER);
  const partialDir = `${finalDir}.partial-${process.pid}-${Date.now()}`;
  await mkdir(partialDir, { recursive: true });

  try {
    await requestExport(hostAndPort, partialDir, projectId);
    await replaceFolder(partialDir, finalDir);
  } finally {
    await rm(partialDir, { recursive: true, force: true });
  }
}

async function replaceFolder(source: string, target: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  try {
    await rename(source, target);
  } catch (error) {
    // Another process swapped in its export between the two steps; the newer one wins.
    if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) {
      throw error;
    }
    await rm(target, { recursive: true, force: true });
    await rename(source, target);
  }
}

async function requestExport(hostAndPort: string, partialDir: string, projectId: string): Promise<void> {
  const response = await fetch(`http://${hostAndPort}/emulator/v1/projects/${projectId}:export`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      database: `projects/${projectId}/databases/(default)`,
      export_directory: partialDir,
    }),
    signal: AbortSignal.timeout(STOP_TIMEOUT_MS),
  });

  if (!response.ok) {
    throw new Error(`exporting emulator data failed with HTTP ${response.status}: ${await response.text()}`);
  }
}

/** Builds the error for a missing emulator jar, whose message explains how to install one. */
export function emulatorNotFoundError(searched: string[]): ConfigError {
  return new ConfigError(
    'The Cloud Firestore emulator was not found. Searched:\n' +
      searched.map((place) => `  - ${place}`).join('\n') +
      '\nInstall it with "apt-get install google-cloud-cli-firestore-emulator" (or ' +
      '"gcloud components install cloud-firestore-emulator"), set FIRESTORE_EMULATOR_JAR to its jar, ' +
      'or point FIRESTORE_EMULATOR_HOST at a running emulator.',
  );
}
