import type { SessionChange, SessionChangeFeed } from './session-change-feed';

// Bounds the memory of the cache; past it, the oldest entries are dropped.
const MAX_CACHED_SESSIONS = 50_000;

/** The fields of a stored session that the cache reads. */
export interface CacheableSession {
  userId: string | null;
}

/**
 * Logged-in sessions kept in this process, served only while the change feed is current, so that
 * a session changed or revoked on any instance is never served beyond the feed's staleness bound.
 * Expiry is not checked here: the store checks it on every read, cached or not.
 */
export class SessionCache<Session extends CacheableSession> {
  private readonly entries = new Map<string, Session>();

  constructor(private readonly feed: SessionChangeFeed) {
    feed.onChange((change) => this.apply(change));
  }

  /** Returns the cached session, or undefined when there is none or the feed is not current. */
  lookup(sessionId: string): Session | undefined {
    return this.feed.isCurrent() ? this.entries.get(sessionId) : undefined;
  }

  /** Records a request for a logged-in session: the traffic that makes heartbeats worth sending. */
  noteLoggedInRead(): void {
    this.feed.noteRead();
  }

  /** Marks the start of a read from Firestore; pass the result to remember(). */
  beginRead(): number {
    return this.feed.generation;
  }

  /**
   * Keeps a session read from Firestore, unless a change was heard while it was read: that
   * change may be newer than what the read returned.
   */
  remember(sessionId: string, session: Session, readStartedAt: number): void {
    if (session.userId === null || readStartedAt !== this.feed.generation) {
      return;
    }
    this.keep(sessionId, session);
  }

  /** Replaces the entry after this instance wrote the session. */
  update(sessionId: string, session: Session): void {
    if (session.userId === null) {
      this.entries.delete(sessionId);
      return;
    }
    this.keep(sessionId, session);
  }

  forget(sessionId: string): void {
    this.entries.delete(sessionId);
  }

  forgetUser(userId: string): void {
    for (const [sessionId, session] of this.entries) {
      if (session.userId === userId) {
        this.entries.delete(sessionId);
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private keep(sessionId: string, session: Session): void {
    this.entries.delete(sessionId);
    if (this.entries.size >= MAX_CACHED_SESSIONS) {
      // Maps iterate in insertion order, so the first key is the oldest entry.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(sessionId, session);
  }

  private apply(change: SessionChange): void {
    change.sessionIds.forEach((sessionId) => this.entries.delete(sessionId));
    if (change.userId) {
      this.forgetUser(change.userId);
    }
  }
}
