import { createHash, randomBytes } from 'node:crypto';
import {
  Timestamp,
  type DocumentReference,
  type Firestore,
  type QueryDocumentSnapshot,
  type WriteBatch,
} from '@google-cloud/firestore';
import type { Context } from 'koa';
import { FirestoreDeadline } from '../firestore/deadline';
import { GrpcStatus, hasGrpcCode } from '../firestore/grpc-status';
import type { FirestoreOperationCounter } from '../firestore/operation-counter';
import { SessionCache } from './session-cache';
import type { SessionChange, SessionChangeFeed } from './session-change-feed';

export const SESSIONS_COLLECTION = 'sessions';

// 32 random bytes: 256 bits, well above the 128 bits that make guessing a live token hopeless.
const SESSION_TOKEN_BYTES = 32;

/** Session lifetimes, each enforced on the server whatever the cookie's own expiry. */
export interface SessionPolicy {
  /** A session without "remember me" ends after this long without a request. */
  idleTimeoutMs: number;
  /** A session without "remember me" ends this long after it began, however active. */
  maxLifetimeMs: number;
  /** A "remember me" session ends this long after it began. */
  rememberMeLifetimeMs: number;
  /** Activity is written back at most this often, so most page views cost no write. */
  activityRefreshMs: number;
}

/** Facts about the person's device, kept with a session for the account page. */
export interface SessionClient {
  userAgent: string;
  clientIp: string;
}

export interface SessionStoreOptions {
  counter?: FirestoreOperationCounter;
  deadline?: FirestoreDeadline;
  /**
   * The feed that announces changes to logged-in sessions to every instance. Processes that change
   * sessions must announce, whether or not they cache, or other instances' caches go stale.
   */
  changes?: SessionChangeFeed;
  /**
   * Whether to serve logged-in sessions from memory while the change feed is current; the feed
   * must have been started. Without it, every request reads its session from Firestore.
   */
  cache?: boolean;
  now?: () => number;
}

/** A session document. Its id is the SHA-256 of the cookie's token; the token is never stored. */
interface SessionDocument {
  data: Record<string, unknown>;
  userId: string | null;
  remember: boolean;
  createdAt: Timestamp;
  lastSeenAt: Timestamp;
  /** When the session ends; a Firestore TTL policy on this field deletes expired documents. */
  expiresAt: Timestamp;
  userAgent: string;
  clientIp: string;
}

/** One of a user's unexpired sessions, as the account page and the CLI list them. */
export interface SessionSummary {
  /** The document id: the SHA-256 of the token, which is safe to show and cannot be used as a cookie. */
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string;
  clientIp: string;
  remember: boolean;
}

// Session document ids are SHA-256 digests in hex; anything else names no session.
const SESSION_ID_PATTERN = /^[0-9a-f]{64}$/;

/** The session key, set at login, that marks a "remember me" session. */
export const REMEMBER_SESSION_KEY = 'remember';

/** The parts of koa-session's stored data that this store reads. */
interface SessionData {
  [REMEMBER_SESSION_KEY]?: boolean;
  passport?: { user?: { id?: unknown } };
  [key: string]: unknown;
}

// The session read for this request, kept so that a later write can tell an update of that
// session from the creation of a new one (at login the token changes).
const LOADED_SESSION = Symbol('loadedSession');

interface LoadedSession {
  token: string;
  record: SessionDocument;
}

// A logged-in session that koa-session destroyed to move it to a new token; see destroy.
const REPLACED_SESSION = Symbol('replacedSession');

interface ReplacedSession {
  token: string;
  userId: string;
}

// An attempt fails only when a session of the user vanished or moved during its two round trips.
// Five such collisions in a row would take a user renewing sessions continuously, so this bound
// is an estimate, not a guarantee: past it, the revocation fails with the NOT_FOUND error.
const MAX_REVOCATION_ATTEMPTS = 5;

type ContextWithSession = Context & { [LOADED_SESSION]?: LoadedSession; [REPLACED_SESSION]?: ReplacedSession };

/**
 * The koa-session external store, backed by Firestore. The cookie contains only a random token,
 * and Firestore stores the session under the token's hash, so a leaked database does not yield
 * usable cookies. Expiry is checked here on every read.
 */
export class FirestoreSessionStore {
  private readonly counter?: FirestoreOperationCounter;
  private readonly deadline: FirestoreDeadline;
  private readonly changes?: SessionChangeFeed;
  private readonly cache?: SessionCache<SessionDocument>;
  private readonly now: () => number;

  constructor(
    private readonly firestore: Firestore,
    private readonly policy: SessionPolicy,
    options: SessionStoreOptions = {},
  ) {
    this.counter = options.counter;
    this.deadline = options.deadline ?? new FirestoreDeadline();
    this.changes = options.changes;
    this.cache = options.cache && options.changes ? new SessionCache<SessionDocument>(options.changes) : undefined;
    this.now = options.now ?? Date.now;
  }

  /** Generates a new session token for the cookie. */
  static generateToken(): string {
    return randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
  }

  async get(token: string, _maxAge: unknown, options: StoreCallOptions): Promise<SessionData | null> {
    const ctx = contextOf(options);
    const reference = this.documentFor(token);
    let record = this.cache?.lookup(reference.id);
    // A cached copy may carry an expiry that another instance has since moved forward.
    if (!record || this.hasExpired(record)) {
      record = await this.read(reference);
    }
    if (!record || this.hasExpired(record)) {
      return null;
    }
    if (record.userId !== null) {
      this.cache?.noteLoggedInRead();
    }

    if (!(await this.refreshActivityIfDue(reference, record))) {
      this.cache?.forget(reference.id);
      return null;
    }

    (ctx as ContextWithSession)[LOADED_SESSION] = { token, record };
    return record.data as SessionData;
  }

  private hasExpired(record: SessionDocument): boolean {
    return this.now() >= record.expiresAt.toMillis();
  }

  private async read(reference: DocumentReference): Promise<SessionDocument | undefined> {
    const readStartedAt = this.cache?.beginRead() ?? 0;
    const snapshot = await this.deadline.run('read session', () => reference.get());
    this.counter?.countReads();
    if (!snapshot.exists) {
      return undefined;
    }

    const record = snapshot.data() as SessionDocument;
    this.cache?.remember(reference.id, record, readStartedAt);
    return record;
  }

  /**
   * Saves the session. A new token creates a document; the token read for this request updates
   * its document, and if that document was revoked meanwhile, it stays deleted.
   */
  async set(token: string, data: SessionData, _maxAge: unknown, options: StoreCallOptions): Promise<void> {
    const ctx = contextOf(options);
    const loaded = (ctx as ContextWithSession)[LOADED_SESSION];
    const existing = loaded?.token === token ? loaded.record : undefined;
    const record = this.buildRecord(data, existing ?? this.predecessorOf(ctx, data), ctx);
    const reference = this.documentFor(token);

    if (existing && hasSameContent(existing, record)) {
      return;
    }

    if (existing) {
      await this.updateUnlessRevoked(reference, record, existing.userId ?? record.userId, ctx);
    } else {
      await this.create(reference, record);
      await this.finishReplacement(ctx, reference, record);
    }

    this.cache?.update(reference.id, record);
    (ctx as ContextWithSession)[LOADED_SESSION] = { token, record };
  }

  /**
   * Deletes the logged-in session that the one just created replaces, now that the new one
   * exists. If the old one was revoked meanwhile, the new logged-in one is deleted too: a
   * revocation ends a session's successor as well.
   */
  private async finishReplacement(ctx: Context, successor: DocumentReference, record: SessionDocument): Promise<void> {
    const replaced = (ctx as ContextWithSession)[REPLACED_SESSION];
    if (replaced === undefined) {
      return;
    }
    delete (ctx as ContextWithSession)[REPLACED_SESSION];

    if ((await this.deleteReplaced(replaced)) || record.userId === null) {
      return;
    }
    ctx.log?.warn({ event: 'session_revoked_during_renewal', userId: record.userId }, 'session revoked while it was renewed; its successor ended too');
    await this.writeAndAnnounce('delete session', record.userId, successor.id, (batch) => batch.delete(successor));
    this.cache?.forget(successor.id);
  }

  /** Deletes a replaced session, returning false when it was already gone (revoked). */
  private async deleteReplaced(replaced: ReplacedSession): Promise<boolean> {
    const reference = this.documentFor(replaced.token);
    this.cache?.forget(reference.id);

    try {
      await this.writeAndAnnounce('delete session', replaced.userId, reference.id, (batch) =>
        batch.delete(reference, { exists: true }),
      );
      return true;
    } catch (error) {
      if (hasGrpcCode(error, GrpcStatus.NOT_FOUND)) {
        return false;
      }
      throw error;
    }
  }

  /**
   * Deletes a logged-in session that koa-session replaced but never saved a successor for. Runs
   * after koa-session has committed the request's session.
   */
  async deleteUnfinishedReplacement(ctx: Context): Promise<void> {
    const replaced = (ctx as ContextWithSession)[REPLACED_SESSION];
    if (replaced !== undefined) {
      delete (ctx as ContextWithSession)[REPLACED_SESSION];
      await this.deleteReplaced(replaced);
    }
  }

  private async create(reference: DocumentReference, record: SessionDocument): Promise<void> {
    try {
      await this.deadline.run('create session', () => reference.create(record));
    } catch (error) {
      // The client retries a commit whose response was lost. With a 256-bit random token, an
      // existing document can only be this very write, applied by the first attempt.
      if (!hasGrpcCode(error, GrpcStatus.ALREADY_EXISTS)) {
        throw error;
      }
    }
    this.counter?.countWrites();
  }

  /**
   * Returns the logged-in session that a logged-in session with a new token replaces, if any.
   * The successor keeps its creation time, so renewing a session cannot stretch its maximum
   * lifetime, and the device and address it was created from.
   */
  private predecessorOf(ctx: Context, data: SessionData): SessionDocument | undefined {
    const loaded = (ctx as ContextWithSession)[LOADED_SESSION];
    const replaced = (ctx as ContextWithSession)[REPLACED_SESSION];
    const isRenewal = replaced !== undefined && loaded?.token === replaced.token && userIdOf(data) !== null;
    return isRenewal ? loaded?.record : undefined;
  }

  /** Builds the stored record; the creation time, device and address come from `base` if given. */
  private buildRecord(data: SessionData, base: SessionDocument | undefined, ctx: Context): SessionDocument {
    const nowMs = this.now();
    const created = base?.createdAt ?? Timestamp.fromMillis(nowMs);
    const remember = data[REMEMBER_SESSION_KEY] === true;

    return {
      data: stripUndefined(data),
      userId: userIdOf(data),
      remember,
      createdAt: created,
      lastSeenAt: Timestamp.fromMillis(nowMs),
      expiresAt: Timestamp.fromMillis(this.expiryFor(created.toMillis(), nowMs, remember)),
      ...(base ? { userAgent: base.userAgent, clientIp: base.clientIp } : clientOf(ctx)),
    };
  }

  /**
   * Updates a session, announcing the change when the session is or was logged in, since only
   * those are cached. If the session was revoked meanwhile, it stays deleted.
   */
  private async updateUnlessRevoked(
    reference: DocumentReference,
    record: SessionDocument,
    userId: string | null,
    ctx: Context,
  ): Promise<void> {
    try {
      await this.writeAndAnnounce('update session', userId, reference.id, (batch) => batch.update(reference, { ...record }));
    } catch (error) {
      if (!hasGrpcCode(error, GrpcStatus.NOT_FOUND)) {
        throw error;
      }
      ctx.log?.info({ userId: record.userId }, 'session was revoked during the request; not saved');
    }
  }

  /**
   * Deletes a session. A logged-in session read in this request is only marked: koa-session
   * destroys it when it moves the session to a new token, and it is deleted once its successor
   * exists (see set). In the other order, a revocation of the user's sessions that ran between
   * the two writes would find neither, and the successor would survive it.
   */
  async destroy(token: string, options: StoreCallOptions = {}): Promise<void> {
    const reference = this.documentFor(token);
    const ctx = options.ctx as ContextWithSession | undefined;
    const loaded = ctx?.[LOADED_SESSION];
    if (ctx && loaded?.token === token && loaded.record.userId !== null) {
      ctx[REPLACED_SESSION] = { token, userId: loaded.record.userId };
      this.cache?.forget(reference.id);
      return;
    }

    // An anonymous session read in this request is in no cache; any other one may be.
    const userId = loaded?.token === token ? loaded.record.userId : 'unknown';

    await this.writeAndAnnounce('delete session', userId, reference.id, (batch) => batch.delete(reference));
    this.cache?.forget(reference.id);
  }

  /** Commits one session write, with an announcement of it in the same batch when it is needed. */
  private async writeAndAnnounce(
    operation: string,
    userId: string | null,
    sessionId: string,
    write: (batch: WriteBatch) => void,
  ): Promise<void> {
    const batch = this.firestore.batch();
    write(batch);
    const announced = this.changes !== undefined && userId !== null;
    if (announced) {
      this.changes?.announce(batch, { sessionIds: [sessionId] });
    }

    await this.deadline.run(operation, () => batch.commit());
    this.counter?.countWrites(announced ? 2 : 1);
  }

  /**
   * Deletes every session of the user, on every instance at once, except the one with the id
   * `exceptSessionId` when given. Returns how many ended.
   */
  async revokeAllForUser(userId: string, exceptSessionId?: string): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.deleteSessionsOf(userId, exceptSessionId);
      } catch (error) {
        // A session was deleted or renewed between the query and the deletion: query again, so
        // that a renewed session's successor is found too.
        if (!hasGrpcCode(error, GrpcStatus.NOT_FOUND) || attempt === MAX_REVOCATION_ATTEMPTS) {
          throw error;
        }
      }
    }
  }

  /** Deletes the sessions of the user that exist now, failing with NOT_FOUND if one vanished. */
  private async deleteSessionsOf(userId: string, exceptSessionId: string | undefined): Promise<number> {
    const query = this.firestore.collection(SESSIONS_COLLECTION).where('userId', '==', userId).select();
    const snapshot = await this.deadline.run('find sessions of a user', () => query.get());
    this.counter?.countReads(Math.max(1, snapshot.size));

    const ended = snapshot.docs.filter((document) => document.id !== exceptSessionId);
    const batch = this.firestore.batch();
    ended.forEach((document) => batch.delete(document.ref, { exists: true }));
    this.changes?.announce(batch, revocationOf(userId, ended, exceptSessionId));
    await this.deadline.run('delete sessions of a user', () => batch.commit());
    ended.forEach((document) => this.cache?.forget(document.id));
    this.counter?.countWrites(ended.length + (this.changes ? 1 : 0));

    return ended.length;
  }

  /**
   * Deletes one session if it belongs to the user. Returns false, deleting nothing, for an id
   * that names no session, an expired one or another user's.
   */
  async revokeForUser(userId: string, sessionId: string): Promise<boolean> {
    if (!SESSION_ID_PATTERN.test(sessionId)) {
      return false;
    }
    const reference = this.firestore.collection(SESSIONS_COLLECTION).doc(sessionId);

    const revoked = await this.deadline.run('delete a session of a user', () =>
      this.firestore.runTransaction(async (transaction) => {
        const snapshot = await transaction.get(reference);
        const record = snapshot.data() as SessionDocument | undefined;
        if (record?.userId !== userId || this.now() >= record.expiresAt.toMillis()) {
          return false;
        }
        transaction.delete(reference);
        this.changes?.announce(transaction, { sessionIds: [sessionId] });
        return true;
      }),
    );

    this.counter?.countReads();
    if (revoked) {
      this.counter?.countWrites(this.changes ? 2 : 1);
    }
    if (revoked) {
      this.cache?.forget(sessionId);
    }
    return revoked;
  }

  /**
   * Lists the user's unexpired sessions, most recently active first. The query needs the
   * composite index on (userId, expiresAt) in firestore.indexes.json.
   */
  async listForUser(userId: string): Promise<SessionSummary[]> {
    const query = this.firestore
      .collection(SESSIONS_COLLECTION)
      .where('userId', '==', userId)
      .where('expiresAt', '>', Timestamp.fromMillis(this.now()))
      .select('createdAt', 'lastSeenAt', 'expiresAt', 'userAgent', 'clientIp', 'remember');
    const snapshot = await this.deadline.run('list sessions of a user', () => query.get());
    this.counter?.countReads(Math.max(1, snapshot.size));

    const sessions = snapshot.docs.map((document) => toSummary(document.id, document.data() as SessionDocument));
    return sessions.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
  }

  /** Returns the document id of the session that this request read or saved, if any. */
  currentSessionId(ctx: Context): string | undefined {
    const loaded = (ctx as ContextWithSession)[LOADED_SESSION];
    return loaded ? hashToken(loaded.token) : undefined;
  }

  private expiryFor(createdAtMs: number, lastSeenAtMs: number, remember: boolean): number {
    if (remember) {
      return createdAtMs + this.policy.rememberMeLifetimeMs;
    }
    return Math.min(lastSeenAtMs + this.policy.idleTimeoutMs, createdAtMs + this.policy.maxLifetimeMs);
  }

  /**
   * Moves the idle deadline forward, writing only when the last write is old enough.
   * Returns false when the session was revoked since it was read.
   */
  private async refreshActivityIfDue(reference: DocumentReference, record: SessionDocument): Promise<boolean> {
    const nowMs = this.now();
    if (nowMs - record.lastSeenAt.toMillis() < this.policy.activityRefreshMs) {
      return true;
    }

    record.lastSeenAt = Timestamp.fromMillis(nowMs);
    record.expiresAt = Timestamp.fromMillis(this.expiryFor(record.createdAt.toMillis(), nowMs, record.remember));

    try {
      const activity = { lastSeenAt: record.lastSeenAt, expiresAt: record.expiresAt };
      await this.deadline.run('refresh session activity', () => reference.update(activity));
    } catch (error) {
      if (hasGrpcCode(error, GrpcStatus.NOT_FOUND)) {
        return false;
      }
      throw error;
    }

    this.counter?.countWrites();
    return true;
  }

  private documentFor(token: string): DocumentReference {
    return this.firestore.collection(SESSIONS_COLLECTION).doc(hashToken(token));
  }
}

/** The last argument that koa-session passes to get and set. */
interface StoreCallOptions {
  ctx?: Context;
}

// koa-session 7.0.2 passes the request's context to get and set (lib context.js), but its types mark it optional.
function contextOf(options: StoreCallOptions): Context {
  if (!options.ctx) {
    throw new Error('koa-session called the session store without a request context');
  }
  return options.ctx;
}

/**
 * Describes a revocation for other instances: every session of the user, or only the ended ones
 * when one session was kept, so that caches keep the session that survived.
 */
function revocationOf(userId: string, ended: QueryDocumentSnapshot[], keptSessionId: string | undefined): SessionChange {
  if (keptSessionId === undefined) {
    return { sessionIds: [], userId };
  }
  return { sessionIds: ended.map((document) => document.id) };
}

function toSummary(id: string, record: SessionDocument): SessionSummary {
  return {
    id,
    createdAt: record.createdAt.toDate(),
    lastSeenAt: record.lastSeenAt.toDate(),
    expiresAt: record.expiresAt.toDate(),
    userAgent: record.userAgent ?? '',
    clientIp: record.clientIp ?? '',
    remember: record.remember === true,
  };
}

/** Returns the document id for a session token: its SHA-256 in hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Checks whether two records differ only in koa-session's bookkeeping ("_expire", "_maxAge",
 * "_session"), which this store does not use: expiry comes from the policy and the remember flag.
 * koa-session saves a session more than once in some requests, and such repeats need no write.
 */
function hasSameContent(stored: SessionDocument, next: SessionDocument): boolean {
  return stored.remember === next.remember && contentOf(stored.data) === contentOf(next.data);
}

function contentOf(data: Record<string, unknown>): string {
  const entries = Object.entries(data).filter(([key]) => !key.startsWith('_'));
  return JSON.stringify(entries);
}

function userIdOf(data: SessionData): string | null {
  const id = data.passport?.user?.id;
  return typeof id === 'string' ? id : null;
}

// Browsers send long user agents; 300 characters identify a device well enough for a list.
const MAX_USER_AGENT_LENGTH = 300;

function clientOf(ctx: Context): SessionClient {
  return {
    userAgent: (ctx.get('User-Agent') || '').slice(0, MAX_USER_AGENT_LENGTH),
    clientIp: ctx.ip,
  };
}

// Firestore rejects undefined values; koa-session data is JSON, where they mean "absent".
function stripUndefined(data: SessionData): Record<string, unknown> {
  return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
}
