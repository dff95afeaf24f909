import type { User } from '../users/user';
import { isActive } from '../users/user';
import { InvalidUsernameError } from '../users/user-errors';
import type { UserRepository } from '../users/user-repository';
import { parseUsername } from '../users/username';
import type { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword, type DummyHash } from './passwords';

/** The outcome of a login attempt. Rejected credentials are outcomes, not exceptions. */
export type LoginOutcome =
  | { kind: 'success'; user: User }
  | { kind: 'invalid-credentials' }
  | { kind: 'inactive'; user: User }
  | { kind: 'throttled'; retryAfterMs: number };

/** The result of looking up a user and comparing a password. */
interface Verification {
  user: User | null;
  /** The password as text; empty when the input was not text. */
  passwordText: string;
  matches: boolean;
  needsRehash: boolean;
}

export interface AuthenticatorOptions {
  users: UserRepository;
  throttle: LoginThrottle;
  dummyHash: DummyHash;
  bcryptCost: number;
}

/**
 * Checks a username and password against the user repository. Unknown users, invalid usernames
 * and non-text input all cost one bcrypt comparison and one counted failure, like a wrong
 * password, so that neither the outcome nor its timing reveals whether an account exists.
 */
export class Authenticator {
  constructor(private readonly options: AuthenticatorOptions) {}

  async check(username: unknown, password: unknown): Promise<LoginOutcome> {
    const { throttle } = this.options;
    const throttleKey = throttleKeyFor(username);
    const status = await throttle.check(throttleKey);

    if (status.throttled) {
      return { kind: 'throttled', retryAfterMs: status.retryAfterMs };
    }

    const { user, passwordText, matches, needsRehash } = await this.verify(username, password);
    if (!user || !matches) {
      await this.recordFailure(throttleKey, user);
      return { kind: 'invalid-credentials' };
    }

    if (status.consecutiveFailures > 0) {
      await throttle.reset(throttleKey);
    }
    return this.accept(user, passwordText, needsRehash);
  }

  /**
   * Checks the password of a user who is already logged in, before a sensitive action. The
   * username throttle is neither checked nor fed, so other people's failed logins cannot lock the
   * owner out of changing the password. The caller limits attempts per session instead.
   */
  async reauthenticate(username: string, password: unknown): Promise<LoginOutcome> {
    const { user, passwordText, matches, needsRehash } = await this.verify(username, password);
    if (!user || !matches) {
      return { kind: 'invalid-credentials' };
    }
    return this.accept(user, passwordText, needsRehash);
  }

  /**
   * Looks up the user and compares the password. An unknown user, an invalid username and
   * non-text input cost one bcrypt comparison too, against the dummy hash, and never match.
   */
  private async verify(username: unknown, password: unknown): Promise<Verification> {
    const user = typeof username === 'string' ? await this.findUser(username) : null;
    const passwordText = typeof password === 'string' ? password : '';
    const hash = user?.passwordHash ?? (await this.options.dummyHash.get());
    const { matches, needsRehash } = await verifyPassword(passwordText, hash, this.options.bcryptCost);

    return { user, passwordText, matches: matches && typeof password === 'string', needsRehash };
  }

  /** Upgrades the verified user's hash when it is due, and reports whether the account may log in. */
  private async accept(user: User, password: string, needsRehash: boolean): Promise<LoginOutcome> {
    if (needsRehash) {
      await this.upgradeHash(user, password);
    }
    return isActive(user) ? { kind: 'success', user } : { kind: 'inactive', user };
  }

  /**
   * Counts a failure for the throttle and, for an existing account, for the account's next login
   * page. The two writes run side by side, so an existing account costs no extra round trip.
   */
  private async recordFailure(throttleKey: string, user: User | null): Promise<void> {
    await Promise.all([
      this.options.throttle.recordFailure(throttleKey),
      user ? this.options.users.countFailedLogin(user.id) : undefined,
    ]);
  }

  private async findUser(username: string): Promise<User | null> {
    try {
      return await this.options.users.findByUsername(username);
    } catch (error) {
      if (error instanceof InvalidUsernameError) {
        return null;
      }
      throw error;
    }
  }

  /**
   * Replaces an old-scheme or low-cost hash, now that the plain password is at hand, and keeps
   * the user object in step so that later checks compare against the stored hash.
   */
  private async upgradeHash(user: User, password: string): Promise<void> {
    const newHash = await hashPassword(password, this.options.bcryptCost);
    if (await this.options.users.replacePasswordHash(user.id, user.passwordHash, newHash)) {
      user.passwordHash = newHash;
    }
  }
}

/**
 * Returns the name that failed logins are counted under: the normalized username when it is valid, so
 * that "Alice" and "alice" share a counter, else the trimmed, lower-cased input as typed.
 */
export function throttleKeyFor(username: unknown): string {
  if (typeof username !== 'string') {
    return '';
  }

  try {
    return parseUsername(username).id;
  } catch {
    return username.trim().toLowerCase();
  }
}
