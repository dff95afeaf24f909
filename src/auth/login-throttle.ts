import { createHash } from 'node:crypto';
import { Timestamp, type Firestore } from '@google-cloud/firestore';
import type { LoginThrottlePolicy } from '../config/security-policy';
import type { FirestoreOperationCounter } from '../firestore/operation-counter';

export const LOGIN_THROTTLES_COLLECTION = 'loginThrottles';

/** Whether a username may try to log in now. */
export type ThrottleStatus =
  | { throttled: false; consecutiveFailures: number }
  | { throttled: true; retryAfterMs: number };

interface ThrottleDocument {
  consecutiveFailures: number;
  lastFailureAt: Timestamp;
  /** Attempts are refused until this time; a TTL policy can delete old documents by it too. */
  lockedUntil: Timestamp;
}

/**
 * Counts consecutive failed logins per username in Firestore and delays attempts after too many.
 * Counters are updated in transactions, so concurrent attempts on several instances count
 * exactly. They exist for every attempted name, registered or not, so that throttling reveals
 * nothing about which accounts exist.
 */
export class LoginThrottle {
  constructor(
    private readonly firestore: Firestore,
    private readonly policy: LoginThrottlePolicy,
    private readonly counter?: FirestoreOperationCounter,
    private readonly now: () => number = Date.now,
  ) {}

  async check(throttleKey: string): Promise<ThrottleStatus> {
    const snapshot = await this.documentFor(throttleKey).get();
    this.counter?.countReads();

    const record = snapshot.data() as ThrottleDocument | undefined;
    const retryAfterMs = record ? record.lockedUntil.toMillis() - this.now() : 0;

    if (retryAfterMs > 0) {
      return { throttled: true, retryAfterMs };
    }
    return { throttled: false, consecutiveFailures: record?.consecutiveFailures ?? 0 };
  }

  /** Counts one more failure and sets the delay that the new count earns. */
  async recordFailure(throttleKey: string): Promise<void> {
    const reference = this.documentFor(throttleKey);

    await this.firestore.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(reference);
      const failures = ((snapshot.data() as ThrottleDocument | undefined)?.consecutiveFailures ?? 0) + 1;
      const nowMs = this.now();

      transaction.set(reference, {
        consecutiveFailures: failures,
        lastFailureAt: Timestamp.fromMillis(nowMs),
        lockedUntil: Timestamp.fromMillis(nowMs + this.delayAfter(failures)),
      } satisfies ThrottleDocument);
    });

    this.counter?.countReads();
    this.counter?.countWrites();
  }

  /** Forgets the failures of a username, after a successful login or an administrator's unlock. */
  async reset(throttleKey: string): Promise<void> {
    await this.documentFor(throttleKey).delete();
    this.counter?.countWrites();
  }

  /**
   * The delay after the given number of consecutive failures: none below the threshold, then
   * the first delay, doubling with each further failure up to the maximum.
   */
  delayAfter(failures: number): number {
    const { failuresBeforeDelay, firstDelayMs, maxDelayMs } = this.policy;
    if (failures < failuresBeforeDelay) {
      return 0;
    }

    const doublings = Math.min(failures - failuresBeforeDelay, 30);
    return Math.min(firstDelayMs * 2 ** doublings, maxDelayMs);
  }

  private documentFor(throttleKey: string) {
    const id = createHash('sha256').update(throttleKey, 'utf8').digest('hex');
    return this.firestore.collection(LOGIN_THROTTLES_COLLECTION).doc(id);
  }
}
