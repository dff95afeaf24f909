import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { hashPassword } from '../../src/auth/passwords';
import { FirestoreDeadline } from '../../src/firestore/deadline';
import { SESSIONS_COLLECTION } from '../../src/sessions/session-store';
import { fetchCsrfToken } from '../support/forms';
import { setTimeout as delay } from 'node:timers/promises';
import { startTestApp, type TestApp } from '../support/test-app';

const OLD_PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
// A bcrypt cost high enough that a login spends tens of milliseconds between reading the user
// and creating its session: the window in which a password change can slip through.
const RACE_BCRYPT_COST = 10;
const ROUNDS = 8;
const CHANGE_DELAYS_MS = [5, 15, 25, 35, 45, 55, 65, 75];

describe('login racing a password change', () => {
  let app: TestApp;
  let oldHash: string;
  let newHash: string;
  before(async () => {
    // Contending transactions on one document can take seconds to resolve in the emulator, so
    // the deadline is raised: this test checks the outcome of the race, not its speed.
    app = await startTestApp({ bcryptCost: RACE_BCRYPT_COST, deadline: new FirestoreDeadline(30_000) });
    oldHash = await hashPassword(OLD_PASSWORD, RACE_BCRYPT_COST);
    newHash = await hashPassword(NEW_PASSWORD, RACE_BCRYPT_COST);
  });
  after(() => app.close());

  async function sessionCount(userId: string): Promise<number> {
    const snapshot = await app.firestore.collection(SESSIONS_COLLECTION).where('userId', '==', userId).get();
    return snapshot.size;
  }

  it('never leaves an old-password session', { timeout: 60_000 }, async () => {
    const survivors: string[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const name = `racer${round}`;
      await app.users.createUser(name, oldHash);
      const agent = request.agent(app.server);
      const token = await fetchCsrfToken(agent);

      await Promise.all([
        agent.post('/login').type('form').send({ _csrf: token, username: name, password: OLD_PASSWORD }),
        delay(CHANGE_DELAYS_MS[round]).then(() => app.accounts.changePasswordHash(name, newHash)),
      ]);

      if ((await sessionCount(name)) > 0) {
        survivors.push(name);
      }
    }

    assert.deepEqual(survivors, []);
  });

  it('lets the new password log in', async () => {
    await app.users.createUser('settled', oldHash);
    await app.accounts.changePasswordHash('settled', newHash);
    const agent = request.agent(app.server);
    const token = await fetchCsrfToken(agent);

    const response = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: token, username: 'settled', password: NEW_PASSWORD });

    assert.equal(response.headers.location, '/dashboard');
    assert.equal(await sessionCount('settled'), 1);
  });
});
