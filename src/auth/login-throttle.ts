import { createHash } from 'node:crypto';
import { FieldValue, Timestamp, type Firestore } from '@google-cloud/firestore';
import type { LoginThrottlePolicy } from '../config/security-policy';
import { FirestoreDeadline } from '../firestore/deadline';
import type { FirestoreOperationCounter } from '../firestore/operation-counter';

export const LOGIN_THROTTLES_COLLECTION = 'loginThrottles';

/** Whether a username may try to log in now. */
export type ThrottleStatus =
  | { throttled: false; consecutiveFailures: number }
  | { throttled: true; retryAfterMs: number };

interface ThrottleDocument {
  consecutiveFailures: number;
  lastFailureAt: Timestamp;
  /** Attempts are refused until this time; absent below the threshold. */
  lockedUntil?: Timestamp;
  /** When the counter is forgotten; a Firestore TTL policy on this field deletes old documents. */
  expiresAt: Timestamp;
}

// A username's failures are forgotten a day after the last one.
const FAILURE_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * Counts consecutive failed logins per username in Firestore and delays attempts after too many.
 * Counters grow by atomic increments, so concurrent attempts on several instances count exactly
 * without contending for a transaction. They exist for every attempted name, registered or not,
 * so that throttling reveals nothing about which accounts exist.
 */
export class LoginThrottle {
  constructor(
    private readonly firestore: Firestore,
    private readonly policy: LoginThrottlePolicy,
    private readonly counter?: FirestoreOperationCounter,
    private readonly deadline = new FirestoreDeadline(),
    private readonly now: () => number = Date.now,
  ) {}

  async check(throttleKey: string): Promise<ThrottleStatus> {
    const reference = this.documentFor(throttleKey);
    const snapshot = await this.deadline.run('read login throttle', () => reference.get());
    this.counter?.countReads();

    const record = snapshot.data() as ThrottleDocument | undefined;
    const retryAfterMs = record?.lockedUntil ? record.lockedUntil.toMillis() - this.now() : 0;

    if (retryAfterMs > 0) {
      return { throttled: true, retryAfterMs };
    }
    return { throttled: false, consecutiveFailures: record?.consecutiveFailures ?? 0 };
  }

  /**
   * Counts one more failure and sets the delay that the new count earns. The count is exact under
   * concurrency. NOTE: concurrent failures each write the delay of the count they read back, and
   * the last write wins, so the delay can be one step shorter than the final count earns.
   */
  async recordFailure(throttleKey: string): Promise<void> {
    const reference = this.documentFor(throttleKey);
    const nowMs = this.now();
    const increment = {
      consecutiveFailures: FieldValue.increment(1),
      lastFailureAt: Timestamp.fromMillis(nowMs),
      expiresAt: Timestamp.fromMillis(nowMs + FAILURE_MEMORY_MS),
    };

    await this.deadline.run('count a failed login', () => reference.set(increment, { merge: true }));
    const snapshot = await this.deadline.run('read login throttle', () => reference.get());
    this.counter?.countWrites();
    this.counter?.countReads();

    const delayMs = this.delayAfter(Number(snapshot.get('consecutiveFailures') ?? 0));
    if (delayMs > 0) {
      const lockedUntil = Timestamp.fromMillis(nowMs + delayMs);
      await this.deadline.run('delay a username', () => reference.update({ lockedUntil }));
      this.counter?.countWrites();
    }
  }

  /** Forgets the failures of a username, after a successful login or an administrator's unlock. */
  async reset(throttleKey: string): Promise<void> {
    const reference = this.documentFor(throttleKey);
    await this.deadline.run('reset login throttle', () => reference.delete());
    this.counter?.countWrites();
  }

  /**
   * Returns the delay after the given number of consecutive failures: none below the threshold,
   * then the first delay, doubling with each further failure up to the maximum.
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
