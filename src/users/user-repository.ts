import type { Firestore } from '@google-cloud/firestore';
import { BaseFirestoreRepository, CustomRepository, initialize } from 'fireorm';
import { User, type UserStatus } from './user';
import { UserNotFoundError, UsernameTakenError } from './user-errors';
import { parseUsername } from './username';

// gRPC status codes that the Firestore client puts on its errors.
const GRPC_ALREADY_EXISTS = 6;
const GRPC_NOT_FOUND = 5;

/**
 * The only code that reads or writes user documents. Every method that takes a username
 * validates it first, so an invalid name throws InvalidUsernameError without a Firestore call.
 */
@CustomRepository(User)
export class UserRepository extends BaseFirestoreRepository<User> {
  async findByUsername(username: string): Promise<User | null> {
    const { id } = parseUsername(username);
    return this.findById(id);
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
    });

    try {
      await this.firestoreColRef.doc(id).create(this.toDocumentData(user));
    } catch (error) {
      throw hasGrpcCode(error, GRPC_ALREADY_EXISTS) ? new UsernameTakenError(display) : error;
    }

    return user;
  }

  async setPasswordHash(username: string, passwordHash: string): Promise<void> {
    await this.updateExisting(username, { passwordHash });
  }

  async setStatus(username: string, status: UserStatus): Promise<void> {
    await this.updateExisting(username, { status });
  }

  /** Records a successful login; takes the document id, since the user was just read. */
  async recordLogin(userId: string, at = new Date()): Promise<void> {
    try {
      await this.firestoreColRef.doc(userId).update({ lastLoginAt: at });
    } catch (error) {
      throw hasGrpcCode(error, GRPC_NOT_FOUND) ? new UserNotFoundError(userId) : error;
    }
  }

  async deleteUser(username: string): Promise<void> {
    const { id } = parseUsername(username);

    try {
      await this.firestoreColRef.doc(id).delete({ exists: true });
    } catch (error) {
      throw hasGrpcCode(error, GRPC_NOT_FOUND) ? new UserNotFoundError(username) : error;
    }
  }

  /** Lists every user ordered by normalized username. */
  async listUsers(): Promise<User[]> {
    // NOTE: reads the whole collection in one query. That suits an administrator's CLI on
    // thousands of users, but millions would need a paged listing.
    const users = await this.find();
    return users.sort(compareIds);
  }

  async hasAnyUser(): Promise<boolean> {
    const snapshot = await this.firestoreColRef.limit(1).select().get();
    return !snapshot.empty;
  }

  private async updateExisting(username: string, fields: Partial<User>): Promise<void> {
    const { id } = parseUsername(username);

    try {
      await this.firestoreColRef.doc(id).update(fields);
    } catch (error) {
      throw hasGrpcCode(error, GRPC_NOT_FOUND) ? new UserNotFoundError(username) : error;
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
export function createUserRepository(firestore: Firestore): UserRepository {
  initialize(firestore);
  return new UserRepository(User);
}

// Document ids sort by UTF-16 code units in Firestore too, so the CLI lists in the database's order.
function compareIds(a: User, b: User): number {
  if (a.id === b.id) {
    return 0;
  }
  return a.id < b.id ? -1 : 1;
}

function hasGrpcCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
