import type { UserRepository } from '../../src/users/user-repository';

// Users created at once: enough to keep the emulator busy, without a burst of thousands of calls.
const CREATE_BATCH_SIZE = 50;

/** Creates active users with the given names, all with the same password hash. */
export async function createUsers(users: UserRepository, usernames: string[], passwordHash: string): Promise<void> {
  for (let start = 0; start < usernames.length; start += CREATE_BATCH_SIZE) {
    const batch = usernames.slice(start, start + CREATE_BATCH_SIZE);
    await Promise.all(batch.map((name) => users.createUser(name, passwordHash)));
  }
}
