import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Firestore } from '@google-cloud/firestore';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { PROJECT_ROOT } from '../paths';
import { createFirestoreClient } from './client';
import { isEmulatorAnswering, startEmulator, type RunningEmulator } from './emulator';
import { locateEmulatorJar } from './emulator-locator';

/** An open Firestore client and, in the embedded mode, the emulator this process started. */
export interface FirestoreConnection {
  firestore: Firestore;
  /** Closes the client and stops the emulator if this process started it (saving its data). */
  close(): Promise<void>;
}

/**
 * Connects to the configured Firestore. In the embedded mode it reuses an emulator that already
 * responds on the firebase.json port (started by another server or CLI run), or starts one.
 */
export async function connectFirestore(config: Config, logger: Logger): Promise<FirestoreConnection> {
  const target = config.firestore;

  if (target.kind !== 'embedded') {
    logger.info({ target: target.kind, projectId: target.projectId }, 'using Firestore');
    return withoutEmulator(createFirestoreClient(target));
  }

  const settings = await readEmulatorSettings();
  const host = settings.host;
  const port = target.port ?? settings.port;
  const hostAndPort = `${host}:${port}`;

  if (await isEmulatorAnswering(hostAndPort)) {
    logger.info({ emulator: hostAndPort, projectId: target.projectId }, 'using the running Firestore emulator');
    return withoutEmulator(createFirestoreClient(target, hostAndPort));
  }

  const emulator = await startEmbeddedEmulator(config, host, port, logger);
  return withEmulator(createFirestoreClient(target, emulator.hostAndPort), emulator, logger);
}

async function startEmbeddedEmulator(
  config: Config,
  host: string,
  port: number,
  logger: Logger,
): Promise<RunningEmulator> {
  const jarPath = await locateEmulatorJar();
  const dataDir = path.resolve(config.dataDir);
  logger.info({ jarPath, emulator: `${host}:${port}`, dataDir }, 'starting the Firestore emulator');

  const emulator = await startEmulator({
    jarPath,
    host,
    port,
    dataDir,
    projectId: config.firestore.projectId,
    rulesPath: path.join(PROJECT_ROOT, 'firestore.rules'),
  });

  logger.info({ emulator: emulator.hostAndPort, emulatorPid: emulator.pid }, 'Firestore emulator ready');
  return emulator;
}

function withoutEmulator(firestore: Firestore): FirestoreConnection {
  return { firestore, close: () => firestore.terminate() };
}

function withEmulator(firestore: Firestore, emulator: RunningEmulator, logger: Logger): FirestoreConnection {
  return {
    firestore,
    async close() {
      await firestore.terminate();
      await emulator.stop();
      logger.info({ emulator: emulator.hostAndPort }, 'Firestore emulator stopped and its data saved');
    },
  };
}

interface EmulatorSettings {
  host: string;
  port: number;
}

/** Reads the Firestore emulator's host and port from firebase.json. */
export async function readEmulatorSettings(): Promise<EmulatorSettings> {
  const file = path.join(PROJECT_ROOT, 'firebase.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as {
    emulators?: { firestore?: { host?: string; port?: number } };
  };
  const settings = json.emulators?.firestore;

  return { host: settings?.host ?? '127.0.0.1', port: settings?.port ?? 8080 };
}
