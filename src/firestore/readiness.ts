import type { Firestore } from '@google-cloud/firestore';
import { FirestoreDeadline } from './deadline';

/**
 * Returns a check that reads one (usually missing) document and fails when Firestore does not
 * respond within the deadline.
 */
export function createFirestoreReadinessCheck(firestore: Firestore, deadline = new FirestoreDeadline()) {
  return async function checkFirestore(): Promise<void> {
    // NOTE: the deadline ends the wait, not the read. While Firestore is down, the client keeps
    // retrying the read in the background for about 40 s (measured against a closed port).
    const reference = firestore.collection('_health').doc('readiness');
    await deadline.run('readiness check', () => reference.get());
  };
}
