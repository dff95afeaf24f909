import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { FirestoreDeadline, SERVICE_UNAVAILABLE_MESSAGE } from '../../src/firestore/deadline';
import { startEmulator, type RunningEmulator } from '../../src/firestore/emulator';
import { locateEmulatorJar } from '../../src/firestore/emulator-locator';
import { createClientForHost } from '../support/emulator-client';
import { SESSIONS_COLLECTION } from '../../src/sessions/session-store';
import { fetchCsrfToken, logIn } from '../support/forms';
import { findFreePort } from '../support/ports';
import { addUser, newProjectId, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const DEADLINE_MS = 1500;

// These tests run in order on one emulator of their own, which they stop and start again.
describe('Firestore outage', () => {
  const projectId = newProjectId();
  let jarPath: string;
  let port: number;
  let dataDir: string;
  let emulator: RunningEmulator;
  let app: TestApp;
  let agent: ReturnType<typeof request.agent>;
  let lastLoginBeforeOutage: Date | null | undefined;
  const lateLogin = { agent: undefined as ReturnType<typeof request.agent> | undefined, token: '' };

  async function startOwnEmulator(): Promise<RunningEmulator> {
    return startEmulator({ jarPath, port, dataDir, projectId });
  }

  before(async () => {
    jarPath = await locateEmulatorJar();
    port = await findFreePort();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'outage-test-'));
    emulator = await startOwnEmulator();
    const firestore = createClientForHost(emulator.hostAndPort, projectId);
    // A new client's first call also opens its channel, which can take longer than the deadline.
    await firestore.collection('warm-up').doc('first-call').get();
    app = await startTestApp({ firestore, deadline: new FirestoreDeadline(DEADLINE_MS) });
    await addUser(app.users, 'alice', PASSWORD);
    agent = request.agent(app.server);
    await logIn(agent, { username: 'alice', password: PASSWORD });
    lastLoginBeforeOutage = (await app.users.findByUsername('alice'))?.lastLoginAt;
    lateLogin.agent = request.agent(app.server);
    lateLogin.token = await fetchCsrfToken(lateLogin.agent);
  });

  after(async () => {
    await app.close();
    await emulator.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the dashboard before the outage', async () => {
    const response = await agent.get('/dashboard');

    assert.equal(response.status, 200);
  });

  describe('while the emulator is stopped', () => {
    before(() => emulator.stop());

    it('answers pages with a 503 page', { timeout: 20_000 }, async () => {
      const startedAt = Date.now();

      const response = await agent.get('/dashboard');

      const elapsedMs = Date.now() - startedAt;
      assert.equal(response.status, 503);
      assert.match(response.text, new RegExp(SERVICE_UNAVAILABLE_MESSAGE.slice(0, 40)));
      assert.ok(elapsedMs < DEADLINE_MS + 2000, `took ${elapsedMs} ms with a ${DEADLINE_MS} ms deadline`);
    });

    it('answers a login with 503', { timeout: 20_000 }, async () => {
      const response = await request(app.server)
        .post('/login')
        .type('form')
        .send({ username: 'alice', password: PASSWORD });

      assert.equal(response.status, 503);
      assert.equal(response.headers['set-cookie'], undefined);
    });

    it('answers a complete login with 503', { timeout: 20_000 }, async () => {
      const response = await lateLogin.agent
        ?.post('/login')
        .type('form')
        .send({ _csrf: lateLogin.token, username: 'alice', password: PASSWORD });

      assert.equal(response?.status, 503);
    });

    it('reports not ready', { timeout: 20_000 }, async () => {
      const response = await request(app.server).get('/readyz');

      assert.equal(response.status, 503);
    });

    it('stays healthy', async () => {
      const response = await request(app.server).get('/healthz');

      assert.equal(response.status, 200);
    });
  });

  describe('after the emulator is back', () => {
    before(async () => {
      emulator = await startOwnEmulator();
    });

    it('becomes ready without a restart', { timeout: 90_000 }, async () => {
      const status = await pollStatus(() => request(app.server).get('/readyz'), 200, 80_000);

      assert.equal(status, 200);
    });

    it('kept no record of the failed login', { timeout: 30_000 }, async () => {
      const sessions = await app.firestore.collection(SESSIONS_COLLECTION).where('userId', '==', 'alice').get();
      const user = await app.users.findByUsername('alice');

      assert.equal(sessions.size, 1);
      assert.equal(user?.lastLoginAt?.toISOString(), lastLoginBeforeOutage?.toISOString());
    });

    it('serves the same session again', { timeout: 30_000 }, async () => {
      const response = await agent.get('/dashboard');

      assert.equal(response.status, 200);
      assert.match(response.text, /Welcome, alice/);
    });

    it('accepts new logins again', { timeout: 30_000 }, async () => {
      const response = await logIn(request.agent(app.server), { username: 'alice', password: PASSWORD });

      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/dashboard');
    });
  });
});

async function pollStatus(
  send: () => Promise<{ status: number }>,
  expected: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await send()).status;
    if (status === expected) {
      return status;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return status;
}
