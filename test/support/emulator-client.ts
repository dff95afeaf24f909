import type { Firestore } from '@google-cloud/firestore';
import { createFirestoreClient } from '../../src/firestore/client';

/**
 * Creates a client for the emulator at `host` even though FIRESTORE_EMULATOR_HOST names the
 * test emulator. @google-cloud/firestore 8 reads that variable in its constructor and lets it
 * override the host setting, so the variable is removed while the client is built.
 */
export function createClientForHost(host: string, projectId: string): Firestore {
  const testEmulatorHost = process.env.FIRESTORE_EMULATOR_HOST;
  delete process.env.FIRESTORE_EMULATOR_HOST;

  try {
    return createFirestoreClient({ kind: 'emulator', host, projectId });
  } finally {
    if (testEmulatorHost !== undefined) {
      process.env.FIRESTORE_EMULATOR_HOST = testEmulatorHost;
    }
  }
}
