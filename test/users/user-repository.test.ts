import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Firestore } from '@google-cloud/firestore';
import { FirestoreOperationCounter } from '../../src/firestore/operation-counter';
import type { User } from '../../src/users/user';
import { createUserRepository, type UserRepository } from '../../src/users/user-repository';
import {
  InvalidUserError,
  InvalidUsernameError,
  UserNotFoundError,
  UsernameTakenError,
} from '../../src/users/user-errors';
import { createClientForHost } from '../support/emulator-client';
import { newFirestore } from '../support/test-app';

// Not real bcrypt hashes: the repository stores whatever string it is given.
const HASH = '$2b$04$hash-for-the-repository-tests';
const OTHER_HASH = '$2b$04$another-hash-for-the-tests';
const LOGIN = { at: new Date(), clientIp: '127.0.0.1', failedLoginsShown: 0 };

async function readUser(users: UserRepository, username: string): Promise<User> {
  const user = await users.findByUsername(username);
  assert.ok(user, `${username} not found`);
  return user;
}

describe('UserRepository', () => {
  const clients: Firestore[] = [];

  /** Creates a repository on a project of its own, so each test starts with no users. */
  function newRepository(): UserRepository {
    const firestore = newFirestore();
    clients.push(firestore);
    return createUserRepository(firestore);
  }

  after(async () => {
    await Promise.all(clients.map((client) => client.terminate()));
  });

  describe('createUser', () => {
    it('finds the user by another spelling', async () => {
      const users = newRepository();
      await users.createUser('Alice', HASH);

      const found = await users.findByUsername(' ALICE ');

      assert.ok(found);
      assert.equal(found.id, 'alice');
    });

    it('stores every field', async () => {
      const users = newRepository();
      const before = Date.now();
      await users.createUser('  Ａｌｉｃｅ ', HASH);
      const after = Date.now();

      const found = await users.findByUsername('alice');

      assert.ok(found);
      assert.equal(found.id, 'alice');
      assert.equal(found.username, 'Alice');
      assert.equal(found.passwordHash, HASH);
      assert.equal(found.status, 'active');
      assert.ok(found.createdAt instanceof Date);
      assert.ok(found.createdAt.getTime() >= before - 1000, `createdAt ${found.createdAt.toISOString()}`);
      assert.ok(found.createdAt.getTime() <= after + 1000, `createdAt ${found.createdAt.toISOString()}`);
      assert.equal(found.lastLoginAt, null);
    });

    it('returns the created user', async () => {
      const users = newRepository();

      const user = await users.createUser(' Bob ', HASH);

      assert.equal(user.id, 'bob');
      assert.equal(user.username, 'Bob');
      assert.equal(user.status, 'active');
    });

    it('stores no id field', async () => {
      const firestore = newFirestore();
      clients.push(firestore);
      await createUserRepository(firestore).createUser('carol', HASH);

      const snapshot = await firestore.collection('users').doc('carol').get();

      assert.equal(snapshot.exists, true);
      assert.equal(snapshot.get('id'), undefined);
    });

    it('rejects a taken username', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);

      await assert.rejects(users.createUser('ALICE', OTHER_HASH), UsernameTakenError);
    });

    it('keeps the first hash when taken', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);

      await users.createUser('Alice', OTHER_HASH).catch(() => undefined);

      const found = await users.findByUsername('alice');
      assert.equal(found?.passwordHash, HASH);
    });

    it('lets one of ten concurrent creates win', async () => {
      const users = newRepository();
      const hashes = Array.from({ length: 10 }, (_, index) => `${HASH}-${index}`);

      const results = await Promise.allSettled(hashes.map((hash) => users.createUser('dave', hash)));

      const fulfilled = results.filter((result) => result.status === 'fulfilled');
      const rejected = results.filter((result) => result.status === 'rejected');
      assert.equal(fulfilled.length, 1);
      assert.equal(rejected.length, 9);
      for (const result of rejected) {
        assert.ok(result.reason instanceof UsernameTakenError, `unexpected rejection: ${String(result.reason)}`);
      }
      const winner = fulfilled[0];
      assert.ok(winner.status === 'fulfilled');
      const stored = await users.findByUsername('dave');
      assert.equal(stored?.passwordHash, winner.value.passwordHash);
    });
  });

  describe('model validation', () => {
    it('rejects an empty password hash', async () => {
      const users = newRepository();

      await assert.rejects(users.createUser('alice', ''), InvalidUserError);
      assert.equal(await users.findByUsername('alice'), null);
    });

    it('names the invalid field', async () => {
      const users = newRepository();

      await assert.rejects(users.createUser('alice', ''), /passwordHash/);
    });
  });

  describe('findByUsername', () => {
    it('returns null for a missing user', async () => {
      const users = newRepository();

      assert.equal(await users.findByUsername('nobody'), null);
    });
  });

  describe('updates', () => {
    it('setPasswordHash replaces the hash', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);

      await users.setPasswordHash('Alice', OTHER_HASH);

      const found = await users.findByUsername('alice');
      assert.equal(found?.passwordHash, OTHER_HASH);
    });

    it('setStatus disables the user', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);

      await users.setStatus(' ALICE', 'disabled');

      const found = await users.findByUsername('alice');
      assert.equal(found?.status, 'disabled');
    });

    it('setStatus enables the user again', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);
      await users.setStatus('alice', 'disabled');

      await users.setStatus('alice', 'active');

      const found = await users.findByUsername('alice');
      assert.equal(found?.status, 'active');
    });

    it('recordLogin stores the login time', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);
      const at = new Date('2026-01-02T03:04:05.678Z');

      const recorded = await users.recordLogin(await readUser(users, 'alice'), { at, clientIp: '203.0.113.5', failedLoginsShown: 0 });

      assert.equal(recorded, true);
      const found = await users.findByUsername('alice');
      assert.ok(found?.lastLoginAt instanceof Date);
      assert.equal(found.lastLoginAt.toISOString(), '2026-01-02T03:04:05.678Z');
      assert.equal(found.lastLoginIp, '203.0.113.5');
    });

    it('recordLogin keeps the login before', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);
      const first = new Date('2026-01-02T03:04:05.678Z');
      await users.recordLogin(await readUser(users, 'alice'), { at: first, clientIp: '203.0.113.5', failedLoginsShown: 0 });

      await users.recordLogin(await readUser(users, 'alice'), { at: new Date(), clientIp: '198.51.100.7', failedLoginsShown: 0 });

      const found = await users.findByUsername('alice');
      assert.equal(found?.previousLoginAt?.toISOString(), first.toISOString());
      assert.equal(found?.previousLoginIp, '203.0.113.5');
      assert.equal(found?.lastLoginIp, '198.51.100.7');
    });

    it('recordLogin subtracts the failures shown', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);
      for (let failure = 0; failure < 2; failure++) {
        await users.countFailedLogin('alice');
      }
      const user = await readUser(users, 'alice');
      // Counted after the read: the precondition fails, and the transaction keeps this failure.
      await users.countFailedLogin('alice');

      await users.recordLogin(user, { at: new Date(), clientIp: '203.0.113.5', failedLoginsShown: 2 });

      const found = await users.findByUsername('alice');
      assert.equal(found?.failedLoginsSinceLastLogin, 1);
    });

    it('recordLogin of an unchanged user reads nothing', async () => {
      const operations = new FirestoreOperationCounter();
      const firestore = newFirestore();
      clients.push(firestore);
      const users = createUserRepository(firestore, operations);
      await users.createUser('alice', HASH);
      const user = await readUser(users, 'alice');
      const before = operations.snapshot();

      assert.equal(await users.recordLogin(user, LOGIN), true);

      assert.deepEqual(operations.snapshot(), { reads: before.reads, writes: before.writes + 1 });
    });

    it('countFailedLogin counts concurrent failures', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);

      await Promise.all(Array.from({ length: 5 }, () => users.countFailedLogin('alice')));

      const found = await users.findByUsername('alice');
      assert.equal(found?.failedLoginsSinceLastLogin, 5);
    });

    it('countFailedLogin skips a missing user', async () => {
      const users = newRepository();

      await users.countFailedLogin('nobody');

      assert.equal(await users.findByUsername('nobody'), null);
    });

    it('recordLogin refuses a changed hash', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);
      const user = await readUser(users, 'alice');
      await users.setPasswordHash('alice', OTHER_HASH);

      const recorded = await users.recordLogin(user, LOGIN);

      assert.equal(recorded, false);
      const found = await users.findByUsername('alice');
      assert.equal(found?.lastLoginAt, null);
    });

    it('recordLogin refuses a disabled user', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);
      const user = await readUser(users, 'alice');
      await users.setStatus('alice', 'disabled');

      const recorded = await users.recordLogin(user, LOGIN);

      assert.equal(recorded, false);
    });

    it('updates leave other fields alone', async () => {
      const users = newRepository();
      await users.createUser('Alice', HASH);

      await users.setStatus('alice', 'disabled');

      const found = await users.findByUsername('alice');
      assert.equal(found?.username, 'Alice');
      assert.equal(found?.passwordHash, HASH);
    });
  });

  describe('with a missing user', () => {
    let users: UserRepository;
    before(() => {
      users = newRepository();
    });

    it('setStatus throws UserNotFoundError', async () => {
      await assert.rejects(users.setStatus('nobody', 'disabled'), UserNotFoundError);
    });

    it('setPasswordHash throws UserNotFoundError', async () => {
      await assert.rejects(users.setPasswordHash('nobody', HASH), UserNotFoundError);
    });

    it('deleteUser throws UserNotFoundError', async () => {
      await assert.rejects(users.deleteUser('nobody'), UserNotFoundError);
    });

    it('creates no document on update', async () => {
      await users.setStatus('ghost', 'active').catch(() => undefined);

      assert.equal(await users.findByUsername('ghost'), null);
    });
  });

  describe('deleteUser', () => {
    it('removes the user', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);

      await users.deleteUser('ALICE');

      assert.equal(await users.findByUsername('alice'), null);
    });

    it('frees the username', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);
      await users.deleteUser('alice');

      await users.createUser('alice', OTHER_HASH);

      const found = await users.findByUsername('alice');
      assert.equal(found?.passwordHash, OTHER_HASH);
    });
  });

  describe('listUsers', () => {
    it('returns nothing for no users', async () => {
      const users = newRepository();

      assert.deepEqual(await users.listUsers(), []);
    });

    it('sorts users by id', async () => {
      const users = newRepository();
      for (const name of ['carol', 'Alice', 'bob', 'Dave']) {
        await users.createUser(name, HASH);
      }

      const listed = await users.listUsers();

      assert.deepEqual(
        listed.map((user) => user.id),
        ['alice', 'bob', 'carol', 'dave'],
      );
      assert.deepEqual(
        listed.map((user) => user.username),
        ['Alice', 'bob', 'carol', 'Dave'],
      );
    });
  });

  describe('hasAnyUser', () => {
    it('is false then true', async () => {
      const users = newRepository();

      assert.equal(await users.hasAnyUser(), false);
      await users.createUser('alice', HASH);
      assert.equal(await users.hasAnyUser(), true);
    });

    it('is false after the last delete', async () => {
      const users = newRepository();
      await users.createUser('alice', HASH);

      await users.deleteUser('alice');

      assert.equal(await users.hasAnyUser(), false);
    });
  });

  describe('with an invalid username', () => {
    // Port 1 on loopback is closed. A Firestore call there fails only after about 40 s of client
    // retries, so it outlasts the 5 s timeout, and only validation can reject in time.
    let unreachable: Firestore;
    let users: UserRepository;
    before(() => {
      unreachable = createClientForHost('127.0.0.1:1', 'demo-x');
      users = createUserRepository(unreachable);
    });
    after(() => unreachable.terminate());

    const calls: { name: string; call: (users: UserRepository) => Promise<unknown> }[] = [
      { name: 'createUser', call: (repository) => repository.createUser('a/b', HASH) },
      { name: 'findByUsername', call: (repository) => repository.findByUsername('') },
      { name: 'setPasswordHash', call: (repository) => repository.setPasswordHash('..', HASH) },
      { name: 'setStatus', call: (repository) => repository.setStatus('__x__', 'disabled') },
      { name: 'deleteUser', call: (repository) => repository.deleteUser('a\u0000b') },
    ];

    for (const { name, call } of calls) {
      it(`${name} rejects before Firestore`, { timeout: 5000 }, async () => {
        await assert.rejects(call(users), InvalidUsernameError);
      });
    }

    it('rejects a non-string username', { timeout: 5000 }, async () => {
      await assert.rejects(users.createUser(42 as unknown as string, HASH), InvalidUsernameError);
    });
  });
});
