import type { User } from '../users/user';

/**
 * The user as a logged-in session stores it. It is stored in the session at login, so that
 * a page view needs no read of the user document; disabling, deleting or changing the password
 * of an account deletes its sessions instead.
 */
export interface SessionUser {
  id: string;
  username: string;
  createdAt: Date;
  /** When this session's login happened. */
  loggedInAt: Date;
  /** The account's login before this one, or null for a first login. */
  previousLoginAt: Date | null;
  /** The client address of that earlier login, or null when unknown. */
  previousLoginIp: string | null;
  /** Wrong passwords given for the account between that earlier login and this one. */
  failedLoginsBefore: number;
}

/** The JSON form of a SessionUser, as passport stores it in the session. */
interface StoredSessionUser {
  id: string;
  username: string;
  createdAt: string;
  loggedInAt: string;
  previousLoginAt: string | null;
  previousLoginIp?: string | null;
  failedLoginsBefore?: number;
}

/** Builds the session's snapshot of a user who logs in now, from the user as read before it. */
export function toSessionUser(user: User, loggedInAt: Date): SessionUser {
  return {
    id: user.id,
    username: user.username,
    createdAt: user.createdAt,
    loggedInAt,
    previousLoginAt: user.lastLoginAt,
    previousLoginIp: user.lastLoginIp ?? null,
    failedLoginsBefore: user.failedLoginsSinceLastLogin ?? 0,
  };
}

export function serializeSessionUser(user: SessionUser): StoredSessionUser {
  return {
    id: user.id,
    username: user.username,
    createdAt: user.createdAt.toISOString(),
    loggedInAt: user.loggedInAt.toISOString(),
    previousLoginAt: user.previousLoginAt?.toISOString() ?? null,
    previousLoginIp: user.previousLoginIp,
    failedLoginsBefore: user.failedLoginsBefore,
  };
}

/**
 * Rebuilds the user from session data; anything malformed yields undefined (logged out). Sessions
 * stored before the login address and failure count existed read as unknown address, no failures.
 */
export function deserializeSessionUser(stored: unknown): SessionUser | undefined {
  const candidate = stored as Partial<StoredSessionUser> | null;
  if (
    typeof candidate?.id !== 'string' ||
    typeof candidate.username !== 'string' ||
    typeof candidate.createdAt !== 'string' ||
    typeof candidate.loggedInAt !== 'string'
  ) {
    return undefined;
  }

  return {
    id: candidate.id,
    username: candidate.username,
    createdAt: new Date(candidate.createdAt),
    loggedInAt: new Date(candidate.loggedInAt),
    previousLoginAt: typeof candidate.previousLoginAt === 'string' ? new Date(candidate.previousLoginAt) : null,
    previousLoginIp: typeof candidate.previousLoginIp === 'string' ? candidate.previousLoginIp : null,
    failedLoginsBefore: Number.isInteger(candidate.failedLoginsBefore) ? Number(candidate.failedLoginsBefore) : 0,
  };
}
