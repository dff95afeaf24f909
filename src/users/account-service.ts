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

  private async revoke(username: string, reason: string): Promise<number> {
    const userId = parseUsername(username).id;
    const count = await this.sessions.revokeAllForUser(userId);
    this.logger?.info({ event: 'sessions_revoked', userId, reason, count }, 'sessions revoked');
    return count;
  }
}
