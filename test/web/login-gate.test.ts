import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { LoginGate } from '../../src/web/login-gate';
import { MESSAGES } from '../../src/web/messages';
import type { UserRepository } from '../../src/users/user-repository';
import { fetchCsrfToken } from '../support/forms';
import { addUser, newFirestore, startTestApp, type TestApp } from '../support/test-app';
import { createUserRepository } from '../../src/users/user-repository';

const PASSWORD = 'correct horse battery';

describe('LoginGate', () => {
  it('admits in order of arrival', async () => {
    const gate = new LoginGate({ concurrent: 2, maxWaiting: 10, maxWaitMs: 60_000 });
    const admitted: string[] = [];
    const enter = (name: string) => gate.enter().then((ok) => ok && admitted.push(name));

    await Promise.all([enter('a'), enter('b')]);
    const waiting = [enter('c'), enter('d')];
    assert.deepEqual(admitted, ['a', 'b']);
    assert.equal(gate.waitingCount, 2);

    gate.leave();
    await waiting[0];
    assert.deepEqual(admitted, ['a', 'b', 'c']);

    gate.leave();
    await waiting[1];
    assert.deepEqual(admitted, ['a', 'b', 'c', 'd']);
  });

  it('rejects when the line is full', async () => {
    const gate = new LoginGate({ concurrent: 1, maxWaiting: 1, maxWaitMs: 60_000 });
    assert.equal(await gate.enter(), true);
    const waiter = gate.enter();

    assert.equal(await gate.enter(), false);

    gate.leave();
    assert.equal(await waiter, true);
  });

  it('rejects a waiter that timed out', async () => {
    const gate = new LoginGate({ concurrent: 1, maxWaiting: 5, maxWaitMs: 20 });
    assert.equal(await gate.enter(), true);

    assert.equal(await gate.enter(), false);
    assert.equal(gate.waitingCount, 0);

    gate.leave();
    assert.equal(await gate.enter(), true);
  });
});

/** Wraps a repository so that username lookups wait for release(); `entered` resolves at the first. */
function heldRepository(users: UserRepository) {
  let release: () => void = () => {};
  let announceEntry: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const entered = new Promise<void>((resolve) => {
    announceEntry = resolve;
  });
  const held = new Proxy(users, {
    get(target, property, receiver) {
      if (property === 'findByUsername') {
        return async (username: string) => {
          announceEntry();
          await released;
          return target.findByUsername(username);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { held, release, entered };
}

describe('login gate in the app', () => {
  let app: TestApp;
  let release: () => void;
  let entered: Promise<void>;

  before(async () => {
    const firestore = newFirestore();
    const users = createUserRepository(firestore);
    await addUser(users, 'ada', PASSWORD);
    const holding = heldRepository(users);
    release = holding.release;
    entered = holding.entered;
    app = await startTestApp({ firestore, users: holding.held, loginGate: { concurrent: 1, maxWaiting: 0 } });
  });
  after(() => app?.close());

  async function postLogin() {
    const agent = request.agent(app.server);
    const token = await fetchCsrfToken(agent);
    return () => agent.post('/login').type('form').send({ _csrf: token, username: 'ada', password: PASSWORD });
  }

  it('returns 503 when every turn is taken', async () => {
    const [first, second] = await Promise.all([postLogin(), postLogin()]);
    // The held lookup keeps the first login inside the gate until the second gets its response.
    const inside = first().then((response) => response);
    await entered;

    const refused = await second();
    release();
    const admitted = await inside;

    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.ok(refused.text.includes(MESSAGES.loginBusy));
    assert.equal(admitted.status, 303);
    assert.equal(admitted.headers.location, '/dashboard');
  });
});
