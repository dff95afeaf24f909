import { randomBytes } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import { createFirestoreClient } from '../../src/firestore/client';
import { startEmulator, type RunningEmulator } from '../../src/firestore/emulator';
import { locateEmulatorJar } from '../../src/firestore/emulator-locator';
import { findFreePort } from '../../src/firestore/free-port';

/** The Firestore of one script run, in a project of its own. */
export interface ScriptFirestore {
  /** host:port of the emulator, for FIRESTORE_EMULATOR_HOST. */
  hostAndPort: string;
  projectId: string;
  /** The emulator's process id when this run started it; undefined for a shared emulator. */
  emulatorPid: number | undefined;
  firestore: Firestore;
  /** Terminates the client and stops the emulator if this run started it. */
  close(): Promise<void>;
}

/**
 * Opens a fresh `demo-` project in the emulator that FIRESTORE_EMULATOR_HOST names, or else in
 * an emulator started on a free port for this run. A project of its own keeps the run's users
 * apart from any data already in a shared emulator.
 */
export async function openScriptFirestore(projectPrefix: string): Promise<ScriptFirestore> {
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const projectId = `demo-${projectPrefix}-${randomBytes(4).toString('hex')}`;
  const runningHost = process.env.FIRESTORE_EMULATOR_HOST?.trim();
  const emulator = runningHost ? undefined : await startScriptEmulator();
  const hostAndPort = runningHost || (emulator as RunningEmulator).hostAndPort;
  const firestore = createFirestoreClient({ kind: 'emulator', host: hostAndPort, projectId });

  return {
    hostAndPort,
    projectId,
    emulatorPid: emulator?.pid,
    firestore,
    async close() {
      await firestore.terminate();
      await emulator?.stop();
    },
  };
}

async function startScriptEmulator(): Promise<RunningEmulator> {
  return startEmulator({ jarPath: await locateEmulatorJar(), port: await findFreePort() });
}

/**
 * Writes unhandled rejections to standard error instead of crashing. When a script terminates
 * its Firestore client, calls abandoned at their deadline may still retry, and the Firestore
 * library then rejects promises that nothing awaits.
 */
export function reportStrayRejections(): void {
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`ignored a rejection after the run: ${String((reason as Error)?.message ?? reason)}\n`);
  });
}
