import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Firestore } from '@google-cloud/firestore';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { PROJECT_ROOT } from '../paths';
import { createFirestoreClient } from './client';
import { findFreePort } from './free-port';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../config/config-error';
import { exportEmulatorData, isEmulatorAnswering, startEmulator, type RunningEmulator } from './emulator';
import {
  isProcessRunning,
  readEmulatorLock,
  removeEmulatorLock,
  tryCreateEmulatorLock,
  type EmulatorOwnerRole,
} from './emulator-lock';
import { locateEmulatorJar } from './emulator-locator';

/** An open Firestore client and, in the embedded mode, the emulator this process started. */
export interface FirestoreConnection {
  firestore: Firestore;
  /** Closes the client and stops the emulator if this process started it (saving its data). */
  close(): Promise<void>;
}

/**
 * Connects to the configured Firestore. In the embedded mode, one process at a time runs the
 * emulator of a data folder (see emulator-lock.ts). A server runs it on the firebase.json port
 * for its lifetime. A CLI run without a server runs a private one on a free port, so that no
 * server comes to depend on an emulator that stops a moment later. Every embedded-mode process
 * saves the data when it closes.
 */
export async function connectFirestore(
  config: Config,
  logger: Logger,
  role: EmulatorOwnerRole = 'server',
): Promise<FirestoreConnection> {
  const target = config.firestore;

  if (target.kind !== 'embedded') {
    logger.info({ target: target.kind, projectId: target.projectId }, 'using Firestore');
    return withoutEmulator(createFirestoreClient(target));
  }

  const settings = await readEmulatorSettings();
  const port = target.port ?? settings.port;
  const place: EmbeddedPlace = { host: settings.host, port, dataDir: path.resolve(config.dataDir) };

  return connectEmbedded(config, place, role, logger);
}

interface EmbeddedPlace {
  host: string;
  port: number;
  dataDir: string;
}

// A CLI run keeps the emulator for a few seconds. A process starting meanwhile waits this long.
const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 200;

async function connectEmbedded(
  config: Config,
  place: EmbeddedPlace,
  role: EmulatorOwnerRole,
  logger: Logger,
): Promise<FirestoreConnection> {
  const projectId = config.firestore.projectId;
  const deadline = Date.now() + LOCK_WAIT_MS;

  for (;;) {
    const lock = await readEmulatorLock(place.dataDir);

    if (lock && isProcessRunning(lock.pid)) {
      // A server's emulator lives as long as that server, so others may share it. A CLI's
      // private one stops within seconds, so others wait for it instead.
      if (lock.role === 'server' && (await isEmulatorAnswering(lock.hostAndPort))) {
        logger.info({ emulator: lock.hostAndPort, serverPid: lock.pid }, "using the running server's Firestore emulator");
        return sharedEmulator(lock.hostAndPort, place.dataDir, projectId, logger);
      }
      if (Date.now() > deadline) {
        throw new ConfigError(
          `Timed out waiting for process ${lock.pid} (${lock.role}) to release the Firestore ` +
            `emulator of ${place.dataDir}. Wait for it to finish, or stop it.`,
        );
      }
      await sleep(LOCK_POLL_MS);
      continue;
    }

    if (lock) {
      logger.warn({ stalePid: lock.pid }, 'removing the emulator lock of a process that no longer runs');
      await removeEmulatorLock(place.dataDir);
    }

    const orphan = `${place.host}:${place.port}`;
    if (await isEmulatorAnswering(orphan)) {
      logger.warn(
        { emulator: orphan },
        'an emulator that no running server started answers on the configured port; using it and saving its data at exit',
      );
      return sharedEmulator(orphan, place.dataDir, projectId, logger);
    }

    const port = role === 'server' ? place.port : await findFreePort(place.host);
    const lockEntry = { pid: process.pid, role, hostAndPort: `${place.host}:${port}` };
    if (await tryCreateEmulatorLock(place.dataDir, lockEntry)) {
      return startOwnedEmulator(config, { ...place, port }, logger);
    }
  }
}

async function startOwnedEmulator(config: Config, place: EmbeddedPlace, logger: Logger): Promise<FirestoreConnection> {
  try {
    const emulator = await startEmbeddedEmulator(config, place.host, place.port, logger);
    return withEmulator(createFirestoreClient(config.firestore, emulator.hostAndPort), emulator, place.dataDir, logger);
  } catch (error) {
    await removeEmulatorLock(place.dataDir);
    throw error;
  }
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

/** Connects to an emulator run by another process, saving the data at close but leaving it running. */
function sharedEmulator(hostAndPort: string, dataDir: string, projectId: string, logger: Logger): FirestoreConnection {
  const firestore = createFirestoreClient({ kind: 'emulator', host: hostAndPort, projectId });

  return {
    firestore,
    async close() {
      await firestore.terminate();
      await exportEmulatorData(hostAndPort, dataDir, projectId);
      logger.info({ emulator: hostAndPort, dataDir }, 'Firestore emulator data saved');
    },
  };
}

function withEmulator(
  firestore: Firestore,
  emulator: RunningEmulator,
  dataDir: string,
  logger: Logger,
): FirestoreConnection {
  return {
    firestore,
    async close() {
      await firestore.terminate();
      try {
        await emulator.stop();
      } finally {
        await removeEmulatorLock(dataDir);
      }
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
