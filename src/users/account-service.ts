import type { Logger } from 'pino';
import type { LoginThrottle } from '../auth/login-throttle';
import { throttleKeyFor } from '../auth/authenticator';
import type { FirestoreSessionStore } from '../sessions/session-store';
import type { UserRepository } from './user-repository';
import { parseUsername } from './username';

/**
 * Account changes that must also end the account's sessions: a disabled, deleted or re-passworded
 * account keeps no session open on any instance, because sessions are read from Firestore on
 * every request and these methods delete them.
 */
export class AccountService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: FirestoreSessionStore,
    private readonly throttle: LoginThrottle,
    private readonly logger?: Logger,
  ) {}

  /**
   * Replaces the password hash that the user just proved to know and ends every other session,
   * keeping the session with the id `keepSessionId`. Yields to a concurrent password change:
   * returns undefined, changing nothing, when the stored hash is no longer `verifiedHash`.
   * Otherwise returns how many sessions ended.
   */
  async changeOwnPassword(
    userId: string,
    verifiedHash: string,
    newHash: string,
    keepSessionId: string | undefined,
    log = this.logger,
  ): Promise<number | undefined> {
    if (!(await this.users.replacePasswordHash(userId, verifiedHash, newHash))) {
      return undefined;
    }
    return this.revokeOthers(userId, keepSessionId, 'password_changed', log);
  }

  /** Ends every session of the user except the one with the id `keepSessionId`. */
  async signOutOtherSessions(userId: string, keepSessionId: string | undefined, log = this.logger): Promise<number> {
    return this.revokeOthers(userId, keepSessionId, 'signed_out_by_user', log);
  }

  /** Ends one session of the user. Returns false when the id names none of the user's sessions. */
  async signOutSession(userId: string, sessionId: string, log = this.logger): Promise<boolean> {
    const revoked = await this.sessions.revokeForUser(userId, sessionId);
    if (revoked) {
      log?.info({ event: 'sessions_revoked', userId, reason: 'signed_out_by_user', count: 1 }, 'sessions revoked');
    }
    return revoked;
  }

  /** Sets a new password hash and ends every session. Returns how many sessions ended. */
  async changePasswordHash(username: string, passwordHash: string): Promise<number> {
    await this.users.setPasswordHash(username, passwordHash);
    return this.revoke(username, 'password_changed');
  }

  /** Blocks logins and ends every session. Returns how many sessions ended. */
  async disable(username: string): Promise<number> {
    await this.users.setStatus(username, 'disabled');
    return this.revoke(username, 'account_disabled');
  }

  async enable(username: string): Promise<void> {
    await this.users.setStatus(username, 'active');
  }

  /** Deletes the user and ends every session. Returns how many sessions ended. */
  async delete(username: string): Promise<number> {
    await this.users.deleteUser(username);
    return this.revoke(username, 'account_deleted');
  }

  /** Ends every session of the user without changing the account. */
  async revokeSessions(username: string): Promise<number> {
    return this.revoke(username, 'revoked_by_administrator');
  }

  /** Clears the failed-login counter that throttles this username. */
  async unlock(username: string): Promise<void> {
    await this.throttle.reset(throttleKeyFor(username));
    this.logger?.info({ event: 'login_unlocked', username: parseUsername(username).id }, 'login throttle cleared');
  }

  private async revokeOthers(
    userId: string,
    keepSessionId: string | undefined,
    reason: string,
    log: Logger | undefined,
  ): Promise<number> {
    const count = await this.sessions.revokeAllForUser(userId, keepSessionId);
    log?.info({ event: 'sessions_revoked', userId, reason, count }, 'sessions revoked');
    return count;
  }

  private async revoke(username: string, reason: string): Promise<number> {
    const userId = parseUsername(username).id;
    const count = await this.sessions.revokeAllForUser(userId);
    this.logger?.info({ event: 'sessions_revoked', userId, reason, count }, 'sessions revoked');
    return count;
  }
}
