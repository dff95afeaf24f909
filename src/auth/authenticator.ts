import type { User } from '../users/user';
import { isActive } from '../users/user';
import { InvalidUsernameError } from '../users/user-errors';
import type { UserRepository } from '../users/user-repository';
import { type DummyHash, verifyPassword } from './passwords';

/** The outcome of a login attempt. Rejected credentials are outcomes, not exceptions. */
export type LoginOutcome =
  | { kind: 'success'; user: User }
  | { kind: 'invalid-credentials' }
  | { kind: 'inactive'; user: User };

/**
 * Checks a username and password against the user repository. Unknown users, invalid usernames
 * and non-text input all cost one bcrypt comparison, like a wrong password, so that neither the
 * outcome nor its timing reveals whether an account exists.
 */
export class Authenticator {
  constructor(
    private readonly users: UserRepository,
    private readonly dummyHash: DummyHash,
  ) {}

  async check(username: unknown, password: unknown): Promise<LoginOutcome> {
    const user = typeof username === 'string' ? await this.findUser(username) : null;
    const passwordText = typeof password === 'string' ? password : '';
    const hash = user?.passwordHash ?? (await this.dummyHash.get());
    const matches = await verifyPassword(passwordText, hash);

    if (!user || !matches || typeof password !== 'string') {
      return { kind: 'invalid-credentials' };
    }

    return isActive(user) ? { kind: 'success', user } : { kind: 'inactive', user };
  }

  private async findUser(username: string): Promise<User | null> {
    try {
      return await this.users.findByUsername(username);
    } catch (error) {
      if (error instanceof InvalidUsernameError) {
        return null;
      }
      throw error;
    }
  }
}
