import { FieldValue, type DocumentData, type Firestore, type Timestamp } from '@google-cloud/firestore';
import { BaseFirestoreRepository, CustomRepository, initialize } from 'fireorm';
import { FirestoreDeadline } from '../firestore/deadline';
import { GrpcStatus, hasGrpcCode } from '../firestore/grpc-status';
import type { FirestoreOperationCounter } from '../firestore/operation-counter';
import { User, type UserStatus } from './user';
import { InvalidUserError, UserNotFoundError, UsernameTakenError } from './user-errors';
import { parseUsername } from './username';

/** A successful login, as recordLogin stores it. */
export interface LoginRecord {
  at: Date;
  clientIp: string;
  /**
   * The failed-login count that the new session shows. It is subtracted from the stored count,
   * so failures that arrive while the login is recorded are kept for the next one.
   */
  failedLoginsShown: number;
}

/**
 * The only code that reads or writes user documents. Every method that takes a username
 * validates it first, so an invalid name throws InvalidUsernameError without a Firestore call.
 */
@CustomRepository(User)
export class UserRepository extends BaseFirestoreRepository<User> {
  /** Counts this repository's Firestore reads and writes, when set. */
  operations: FirestoreOperationCounter | undefined;

  /** Bounds each Firestore call of this repository. */
  deadline = new FirestoreDeadline();

  // The update time of each user document as it was read, so that recordLogin can write with a
  // precondition instead of reading the document again.
  private readonly updateTimes = new WeakMap<User, Timestamp>();

  async findByUsername(username: string): Promise<User | null> {
    const { id } = parseUsername(username);
    const snapshot = await this.deadline.run('read user', () => this.firestoreColRef.doc(id).get());
    this.operations?.countReads();
    if (!snapshot.exists) {
      return null;
    }

    const user = this.extractTFromDocSnap(snapshot);
    if (snapshot.updateTime) {
      this.updateTimes.set(user, snapshot.updateTime);
    }
    return user;
  }

  /** Reads a user by document id (the normalized username), as sessions store it. */
  async findByUserId(userId: string): Promise<User | null> {
    const user = await this.deadline.run('read user', () => this.findById(userId));
    this.operations?.countReads();
    return user;
  }

  /**
   * Creates an active user. Uses Firestore's create precondition, so of two concurrent creates
   * of one name exactly one succeeds and the other throws UsernameTakenError.
   */
  async createUser(username: string, passwordHash: string, now = new Date()): Promise<User> {
    const { id, display } = parseUsername(username);
    const user = Object.assign(new User(), {
      id,
      username: display,
      passwordHash,
      status: 'active' as const,
      createdAt: now,
      lastLoginAt: null,
      lastLoginIp: null,
      previousLoginAt: null,
      previousLoginIp: null,
      failedLoginsSinceLastLogin: 0,
    });
    await this.validateUser(user);

    try {
      const data = this.toDocumentData(user);
      await this.deadline.run('create user', () => this.firestoreColRef.doc(id).create(data));
      this.operations?.countWrites();
    } catch (error) {
      throw hasGrpcCode(error, GrpcStatus.ALREADY_EXISTS) ? new UsernameTakenError(display) : error;
    }

    return user;
  }

  async setPasswordHash(username: string, passwordHash: string): Promise<void> {
    await this.updateExisting(username, { passwordHash });
  }

  /**
   * Swaps in a rehashed password unless the hash changed since it was read (a concurrent
   * password change wins). Returns whether the hash was replaced.
   */
  async replacePasswordHash(userId: string, expectedHash: string, newHash: string): Promise<boolean> {
    const reference = this.firestoreColRef.doc(userId);

    const replaced = await this.deadline.run('replace password hash', () =>
      this.firestoreColRef.firestore.runTransaction(async (transaction) => {
        const snapshot = await transaction.get(reference);
        if (snapshot.get('passwordHash') !== expectedHash) {
          return false;
        }
        transaction.update(reference, { passwordHash: newHash });
        return true;
      }),
    );

    this.operations?.countReads();
    this.operations?.countWrites(replaced ? 1 : 0);
    return replaced;
  }

  async setStatus(username: string, status: UserStatus): Promise<void> {
    await this.updateExisting(username, { status });
  }

  /**
   * Records a successful login of the user as findByUsername read it, provided the account is
   * still active with the password hash the login was checked against. Returns false (and records
   * nothing) when the account changed or vanished since, so the caller can drop the new session.
   * The login that was the last one becomes the previous one.
   *
   * The write carries a precondition: the document is unchanged since it was read. That costs no
   * read. When the precondition fails (a failed attempt was counted meanwhile, say), a
   * transaction reads the document again and checks the account itself.
   *
   * Why this closes the race with a password change: the change writes the hash and then deletes
   * the user's sessions. The login creates its session before this check. Either the deletion
   * finds that session, or this check reads the new hash.
   */
  async recordLogin(user: User, login: LoginRecord): Promise<boolean> {
    const readAt = this.updateTimes.get(user);
    if (readAt && (await this.recordLoginIfUnchanged(user, readAt, login))) {
      return true;
    }
    return this.recordLoginInTransaction(user.id, user.passwordHash, login);
  }

  private async recordLoginIfUnchanged(user: User, readAt: Timestamp, login: LoginRecord): Promise<boolean> {
    const reference = this.firestoreColRef.doc(user.id);
    const fields = loginFields(user, login);

    try {
      await this.deadline.run('record login', () => reference.update(fields, { lastUpdateTime: readAt }));
    } catch (error) {
      if (hasGrpcCode(error, GrpcStatus.FAILED_PRECONDITION) || hasGrpcCode(error, GrpcStatus.NOT_FOUND)) {
        return false;
      }
      throw error;
    }

    this.operations?.countWrites();
    return true;
  }

  private async recordLoginInTransaction(userId: string, verifiedPasswordHash: string, login: LoginRecord): Promise<boolean> {
    const reference = this.firestoreColRef.doc(userId);

    const recorded = await this.deadline.run('record login', () =>
      this.firestoreColRef.firestore.runTransaction(async (transaction) => {
        const snapshot = await transaction.get(reference);
        const isUnchanged =
          snapshot.exists && snapshot.get('passwordHash') === verifiedPasswordHash && snapshot.get('status') === 'active';
        if (isUnchanged) {
          transaction.update(reference, loginFields(snapshot.data() ?? {}, login));
        }
        return isUnchanged;
      }),
    );

    this.operations?.countReads();
    this.operations?.countWrites(recorded ? 1 : 0);
    return recorded;
  }

  /**
   * Counts a wrong password given for an existing account, shown at its next login. An account
   * deleted meanwhile is skipped.
   */
  async countFailedLogin(userId: string): Promise<void> {
    const increment = { failedLoginsSinceLastLogin: FieldValue.increment(1) };

    try {
      await this.deadline.run('count a failed login', () => this.firestoreColRef.doc(userId).update(increment));
      this.operations?.countWrites();
    } catch (error) {
      if (!hasGrpcCode(error, GrpcStatus.NOT_FOUND)) {
        throw error;
      }
    }
  }

  async deleteUser(username: string): Promise<void> {
    const { id } = parseUsername(username);

    try {
      await this.deadline.run('delete user', () => this.firestoreColRef.doc(id).delete({ exists: true }));
      this.operations?.countWrites();
    } catch (error) {
      throw hasGrpcCode(error, GrpcStatus.NOT_FOUND) ? new UserNotFoundError(username) : error;
    }
  }

  /** Lists every user ordered by normalized username. */
  async listUsers(): Promise<User[]> {
    // NOTE: reads the whole collection in one query. That suits an administrator's CLI on
    // thousands of users, but millions would need a paged listing.
    const users = await this.deadline.run('list users', () => this.find());
    this.operations?.countReads(Math.max(1, users.length));
    return users.sort(compareIds);
  }

  async hasAnyUser(): Promise<boolean> {
    const query = this.firestoreColRef.limit(1).select();
    const snapshot = await this.deadline.run('check for users', () => query.get());
    this.operations?.countReads();
    return !snapshot.empty;
  }

  private async updateExisting(username: string, fields: Partial<User>): Promise<void> {
    const { id } = parseUsername(username);

    try {
      await this.deadline.run('update user', () => this.firestoreColRef.doc(id).update(fields));
      this.operations?.countWrites();
    } catch (error) {
      throw hasGrpcCode(error, GrpcStatus.NOT_FOUND) ? new UserNotFoundError(username) : error;
    }
  }

  /** Checks the model's class-validator rules, throwing InvalidUserError with every problem. */
  private async validateUser(user: User): Promise<void> {
    const errors = await this.validate(user);
    if (errors.length > 0) {
      throw new InvalidUserError(errors.map((error) => `${error.property}: ${Object.values(error.constraints ?? {}).join(', ')}.`));
    }
  }

  private toDocumentData(user: User): Record<string, unknown> {
    const { id: _id, ...fields } = user;
    return fields;
  }
}

/**
 * Builds a user repository bound to this Firestore client. fireorm keeps one global client and
 * reads it when a repository is constructed, so each repository keeps the client it was built with
 * and several apps (one per test, say) can use different databases in one process.
 */
export function createUserRepository(
  firestore: Firestore,
  operations?: FirestoreOperationCounter,
  deadline?: FirestoreDeadline,
): UserRepository {
  initialize(firestore, { validateModels: true, validatorOptions: { forbidUnknownValues: true } });
  const repository = new UserRepository(User);
  repository.operations = operations;
  repository.deadline = deadline ?? repository.deadline;
  return repository;
}

// The stored times are Firestore Timestamps or, from a read user, Dates: both are written back as
// the same Firestore timestamp.
function loginFields(stored: DocumentData, login: LoginRecord): DocumentData {
  const failures = Number(stored.failedLoginsSinceLastLogin ?? 0);

  return {
    lastLoginAt: login.at,
    lastLoginIp: login.clientIp,
    previousLoginAt: stored.lastLoginAt ?? null,
    previousLoginIp: stored.lastLoginIp ?? null,
    failedLoginsSinceLastLogin: Math.max(0, failures - login.failedLoginsShown),
  };
}

// Document ids sort by UTF-16 code units in Firestore too, so the CLI lists in the database's order.
function compareIds(a: User, b: User): number {
  if (a.id === b.id) {
    return 0;
  }
  return a.id < b.id ? -1 : 1;
}
