import { Firestore } from '@google-cloud/firestore';
import type { FirestoreTarget } from '../config/config';

/**
 * Creates a Firestore client for the target. For an emulator the host is passed explicitly,
 * but FIRESTORE_EMULATOR_HOST, when set, takes precedence over it: the client library reads
 * that variable itself.
 */
export function createFirestoreClient(target: FirestoreTarget, emulatorHost?: string): Firestore {
  if (target.kind === 'cloud') {
    return new Firestore({ projectId: target.projectId });
  }

  const host = target.kind === 'emulator' ? target.host : emulatorHost;

  // Google's auth library otherwise probes the cloud metadata server, which does not exist here.
  process.env.METADATA_SERVER_DETECTION ??= 'none';

  if (!host) {
    throw new Error('an embedded emulator target needs the host of the started emulator');
  }

  // With ssl off, the client connects without credentials and sends the emulator's admin token,
  // which bypasses the security rules as a service account does in the cloud.
  return new Firestore({ projectId: target.projectId, host, ssl: false });
}
