import { randomUUID } from 'node:crypto';
import {
  FieldValue,
  Timestamp,
  type DocumentSnapshot,
  type Firestore,
  type QuerySnapshot,
  type Transaction,
  type WriteBatch,
} from '@google-cloud/firestore';
import type { Logger } from 'pino';
import type { FirestoreOperationCounter } from '../firestore/operation-counter';
import { RepeatLimiter } from '../log/repeat-limiter';

/**
 * Session changes that other instances must hear of: deleted or rewritten sessions, and every
 * session of a user whose sessions were revoked. Each instance also writes a heartbeat here.
 */
export const SESSION_CHANGES_COLLECTION = 'sessionChanges';

// Every change document carries this channel; each instance's heartbeat carries its own, so an
// instance's listener receives the changes and only its own heartbeat.
const CHANGE_CHANNEL = 'change';

/** The sessions that a change document reports as ended or changed. */
export interface SessionChange {
  /** Session document ids (token hashes). */
  sessionIds: string[];
  /** A user all of whose sessions ended. */
  userId?: string;
}

/** A write batch or a transaction: anything that can add a document creation to a commit. */
export type ChangeWriter = Pick<WriteBatch, 'create'> | Pick<Transaction, 'create'>;

export interface SessionChangeFeedOptions {
  /** A cached session may be served only if every change older than this has been heard of. */
  stalenessBoundMs: number;
  /** How often a busy instance writes its heartbeat. */
  heartbeatIntervalMs: number;
  /** Session reads per second from which the heartbeat (and so the cache) is worth its writes. */
  busyReadsPerSecond: number;
  /** The listener is replaced this often, which drops the change documents it has gathered. */
  listenerLifetimeMs: number;
}

export const DEFAULT_FEED_OPTIONS: SessionChangeFeedOptions = {
  stalenessBoundMs: 1000,
  heartbeatIntervalMs: 250,
  busyReadsPerSecond: 20,
  listenerLifetimeMs: 10 * 60_000,
};

// A new listener also receives changes written this long before it started, which covers clock
// differences between instances: documents are selected by Firestore's commit time.
const LOOKBACK_MS = 5 * 60_000;

// A change document must outlive every listener that could need it; the TTL policy on
// expiresAt deletes it after that.
const CHANGE_RETENTION_MS = 60 * 60_000;

const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

/**
 * Receives, through a Firestore snapshot listener, the session changes made by any instance, and
 * tracks how current they are.
 *
 * Currency comes from a heartbeat: the instance writes its local time into a document its own
 * listener receives. Firestore delivers consistent snapshots in commit order, so once the
 * heartbeat sent at time T arrives, every change committed before T has arrived too. A cached
 * session is served only while the last heartbeat heard is younger than the staleness bound,
 * so a revoked session dies everywhere within that bound. Heartbeats cost one write each, so an
 * instance sends them only while it serves enough session reads to save more than that.
 */
export class SessionChangeFeed {
  private readonly instanceChannel = `instance-${randomUUID()}`;
  private readonly listeners = new Set<(change: SessionChange) => void>();
  private readonly repeats = new RepeatLimiter();

  private unsubscribe: (() => void) | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private rotationTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = true;

  /** The local send time of the newest heartbeat this listener has received. */
  private heardUpTo = 0;
  private readsThisSecond = 0;
  private readsLastSecond = 0;
  private secondStartedAt = 0;

  /** Increases with every change heard; a read that spans an increase must not be cached. */
  generation = 0;

  constructor(
    private readonly firestore: Firestore,
    private readonly logger: Logger | undefined,
    private readonly options: SessionChangeFeedOptions = DEFAULT_FEED_OPTIONS,
    private readonly counter?: FirestoreOperationCounter,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls back for every change heard, in commit order. */
  onChange(listener: (change: SessionChange) => void): void {
    this.listeners.add(listener);
  }

  start(): void {
    this.stopped = false;
    this.listen();
    this.heartbeatTimer = setInterval(() => this.beatIfBusy(), this.options.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.rotationTimer);
    clearTimeout(this.restartTimer);
    this.forget();
  }

  /** Returns whether every change committed more than the staleness bound ago has arrived. */
  isCurrent(): boolean {
    return this.unsubscribe !== undefined && this.now() - this.heardUpTo <= this.options.stalenessBoundMs;
  }

  /** Records one session read, which is what makes heartbeats worth sending. */
  noteRead(): void {
    this.rollReadCounts();
    this.readsThisSecond += 1;
  }

  /**
   * Adds a change document to a batch or transaction, so the change and its announcement commit
   * together.
   */
  announce(writes: ChangeWriter, change: SessionChange): void {
    const document = this.firestore.collection(SESSION_CHANGES_COLLECTION).doc();
    writes.create(document, {
      channel: CHANGE_CHANNEL,
      at: FieldValue.serverTimestamp(),
      sessionIds: change.sessionIds,
      userId: change.userId ?? null,
      expiresAt: Timestamp.fromMillis(this.now() + CHANGE_RETENTION_MS),
    });
  }

  private listen(): void {
    const since = Timestamp.fromMillis(this.now() - LOOKBACK_MS);
    const query = this.firestore
      .collection(SESSION_CHANGES_COLLECTION)
      .where('channel', 'in', [CHANGE_CHANNEL, this.instanceChannel])
      .where('at', '>=', since);

    this.unsubscribe = query.onSnapshot(
      (snapshot) => this.receive(snapshot),
      (error) => this.restartAfter(error),
    );
    this.rotationTimer = setTimeout(() => this.rotate(), this.options.listenerLifetimeMs);
    this.rotationTimer.unref();
  }

  private receive(snapshot: QuerySnapshot): void {
    this.failures = 0;
    const changes = snapshot.docChanges().filter((change) => change.type !== 'removed');
    this.counter?.countReads(changes.length);

    for (const { doc } of changes) {
      if (doc.get('channel') === CHANGE_CHANNEL) {
        this.deliver(doc);
      } else {
        this.heardUpTo = Math.max(this.heardUpTo, Number(doc.get('sentAt')) || 0);
      }
    }
  }

  private deliver(document: DocumentSnapshot): void {
    this.generation += 1;
    const change: SessionChange = {
      sessionIds: (document.get('sessionIds') as string[] | undefined) ?? [],
      userId: (document.get('userId') as string | null) ?? undefined,
    };
    this.listeners.forEach((listener) => listener(change));
  }

  /** Replaces the listener, so that the change documents it keeps in memory do not pile up. */
  private rotate(): void {
    this.unsubscribe?.();
    this.forget();
    this.listen();
  }

  private restartAfter(error: Error): void {
    this.unsubscribe = undefined;
    clearTimeout(this.rotationTimer);
    this.forget();
    if (this.stopped) {
      return;
    }

    const delayMs = RESTART_DELAYS_MS[Math.min(this.failures, RESTART_DELAYS_MS.length - 1)];
    this.failures += 1;
    this.logRepeated('listener_failed', { err: error, retryInMs: delayMs }, 'session change listener failed; reading every session from Firestore until it is back');
    this.restartTimer = setTimeout(() => this.listen(), delayMs);
    this.restartTimer.unref();
  }

  /** Drops what the listener knew: cached sessions stop being served until the next heartbeat. */
  private forget(): void {
    this.heardUpTo = 0;
    this.generation += 1;
  }

  private beatIfBusy(): void {
    this.rollReadCounts();
    if (!this.unsubscribe || Math.max(this.readsThisSecond, this.readsLastSecond) < this.options.busyReadsPerSecond) {
      return;
    }

    const heartbeat = this.firestore.collection(SESSION_CHANGES_COLLECTION).doc(this.instanceChannel);
    const sentAt = this.now();
    this.counter?.countWrites();
    heartbeat
      .set({
        channel: this.instanceChannel,
        at: FieldValue.serverTimestamp(),
        sentAt,
        expiresAt: Timestamp.fromMillis(sentAt + CHANGE_RETENTION_MS),
      })
      .catch((error: unknown) => this.logRepeated('heartbeat_failed', { err: error }, 'session heartbeat not written'));
  }

  private rollReadCounts(): void {
    const nowMs = this.now();
    if (nowMs - this.secondStartedAt < 1000) {
      return;
    }

    this.readsLastSecond = nowMs - this.secondStartedAt < 2000 ? this.readsThisSecond : 0;
    this.readsThisSecond = 0;
    this.secondStartedAt = nowMs;
  }

  private logRepeated(key: string, fields: Record<string, unknown>, message: string): void {
    const suppressed = this.repeats.admit(key);
    if (suppressed !== undefined) {
      this.logger?.warn({ event: key, ...fields, suppressedSinceLast: suppressed }, message);
    }
  }
}
