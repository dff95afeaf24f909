import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SessionCache } from '../../src/sessions/session-cache';
import type { SessionChange, SessionChangeFeed, SessionChangeFeedOptions } from '../../src/sessions/session-change-feed';
import { csrfTokenFrom, logIn } from '../support/forms';
import { setCookieLines } from '../support/session-cookies';
import { TEST_SECURITY_POLICY, addUser, newFirestore, newProjectId, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

// Heartbeats on every tick, whatever the traffic, so the cache serves from the first view.
const ALWAYS_CACHING: SessionChangeFeedOptions = {
  stalenessBoundMs: 1000,
  heartbeatIntervalMs: 100,
  busyReadsPerSecond: 0,
  listenerLifetimeMs: 10 * 60_000,
};

/** Two instances on one Firestore project with the same cookie keys; the first caches sessions. */
async function startTwoInstances(cachingSession = {}): Promise<[TestApp, TestApp]> {
  const projectId = newProjectId();
  const sessionKeys = [randomBytes(32).toString('hex')];
  const security = { ...TEST_SECURITY_POLICY, session: { ...TEST_SECURITY_POLICY.session, ...cachingSession } };
  const caching = await startTestApp({ firestore: newFirestore(projectId), sessionKeys, security, sessionCache: ALWAYS_CACHING });
  const plain = await startTestApp({ firestore: newFirestore(projectId), sessionKeys, security });
  return [caching, plain];
}

/** Waits until the instance's listener has heard its own heartbeat. */
async function untilCurrent(app: TestApp): Promise<void> {
  for (let attempt = 0; attempt < 200 && !app.services.sessionChanges.isCurrent(); attempt += 1) {
    await sleep(50);
  }
  assert.ok(app.services.sessionChanges.isCurrent(), 'the session change listener never became current');
}

/** Logs in on the app and returns the cookie header that carries the session. */
async function logInForCookie(app: TestApp, username: string): Promise<string> {
  const response = await logIn(request.agent(app.server), { username, password: PASSWORD });
  assert.equal(response.status, 303);
  return setCookieLines(response)
    .map((line) => line.split(';')[0])
    .join('; ');
}

function viewDashboard(app: TestApp, cookie: string) {
  return request(app.server).get('/dashboard').set('Cookie', cookie);
}

/**
 * Views the dashboard on the caching app until a view costs no Firestore read. On a busy machine
 * a heartbeat can arrive late, which makes a view read Firestore as it should; so it tries again.
 */
async function untilServedFromMemory(app: TestApp, cookie: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await untilCurrent(app);
    const readsBefore = app.services.operations.reads;
    assert.equal((await viewDashboard(app, cookie)).status, 200);
    if (app.services.operations.reads === readsBefore) {
      return;
    }
  }
  assert.fail('every view read Firestore');
}

function assertSentToLogin(response: request.Response): void {
  assert.equal(response.status, 302);
  assert.match(response.headers.location, /^\/login/);
}

async function logOut(app: TestApp, cookie: string): Promise<void> {
  const dashboard = await viewDashboard(app, cookie);
  const response = await request(app.server)
    .post('/logout')
    .set('Cookie', cookie)
    .type('form')
    .send({ _csrf: csrfTokenFrom(dashboard.text) });
  assert.equal(response.status, 303);
}

describe('session cache', () => {
  let caching: TestApp;
  let plain: TestApp;

  before(async () => {
    [caching, plain] = await startTwoInstances();
    await Promise.all(['ada', 'bob', 'cyd', 'dee'].map((name) => addUser(caching.users, name, PASSWORD)));
  });
  after(async () => {
    await caching?.close();
    await plain?.close();
  });

  it('serves repeated views without reading Firestore', async () => {
    const cookie = await logInForCookie(caching, 'ada');
    await untilServedFromMemory(caching, cookie);

    const page = await viewDashboard(caching, cookie);
    assert.match(page.text, /Welcome, ada/);
  });

  it('ends sessions logged out elsewhere within the bound', async () => {
    const cookie = await logInForCookie(caching, 'bob');
    await untilServedFromMemory(caching, cookie);

    await logOut(plain, cookie);
    await sleep(ALWAYS_CACHING.stalenessBoundMs);

    assertSentToLogin(await viewDashboard(caching, cookie));
  });

  it('ends sessions disabled elsewhere within the bound', async () => {
    const cookie = await logInForCookie(caching, 'cyd');
    await untilServedFromMemory(caching, cookie);

    await plain.accounts.disable('cyd');
    await sleep(ALWAYS_CACHING.stalenessBoundMs);

    assertSentToLogin(await viewDashboard(caching, cookie));
  });

  it('reads Firestore once the listener stops', async () => {
    const cookie = await logInForCookie(caching, 'dee');
    await untilServedFromMemory(caching, cookie);

    caching.services.sessionChanges.stop();
    const readsBefore = caching.services.operations.reads;
    assert.equal((await viewDashboard(caching, cookie)).status, 200);
    assert.equal(caching.services.operations.reads, readsBefore + 1);
  });
});

describe('session cache and expiry', () => {
  let caching: TestApp;
  let plain: TestApp;
  const idleTimeoutMs = 3000;

  before(async () => {
    // No activity refresh within the test, so the session ends idleTimeoutMs after login.
    [caching, plain] = await startTwoInstances({ idleTimeoutMs, activityRefreshMs: 60 * 60_000 });
    await addUser(caching.users, 'eve', PASSWORD);
  });
  after(async () => {
    await caching?.close();
    await plain?.close();
  });

  it('never serves an expired session', async () => {
    // Waiting for the listener first keeps the session's short life for the views.
    await untilCurrent(caching);
    const cookie = await logInForCookie(caching, 'eve');
    await untilServedFromMemory(caching, cookie);

    await sleep(idleTimeoutMs);

    assert.ok(caching.services.sessionChanges.isCurrent());
    assertSentToLogin(await viewDashboard(caching, cookie));
  });
});

describe('session cache without heartbeats', () => {
  let app: TestApp;

  before(async () => {
    // Below the traffic that pays for heartbeats, the listener is never current.
    app = await startTestApp({ sessionCache: { ...ALWAYS_CACHING, busyReadsPerSecond: 1_000_000 } });
    await addUser(app.users, 'fay', PASSWORD);
  });
  after(() => app?.close());

  it('reads every session from Firestore', async () => {
    const cookie = await logInForCookie(app, 'fay');
    for (let view = 0; view < 3; view += 1) {
      const readsBefore = app.services.operations.reads;
      assert.equal((await viewDashboard(app, cookie)).status, 200);
      assert.equal(app.services.operations.reads, readsBefore + 1);
    }
    assert.equal(app.services.sessionChanges.isCurrent(), false);
  });
});

/** A feed that is always current and delivers the changes a test passes to change(). */
class ManualFeed {
  generation = 0;
  private deliver: ((change: SessionChange) => void) | undefined;

  onChange(listener: (change: SessionChange) => void): void {
    this.deliver = listener;
  }
  isCurrent(): boolean {
    return true;
  }
  noteRead(): void {}
  change(change: SessionChange): void {
    this.generation += 1;
    this.deliver?.(change);
  }
}

describe('SessionCache', () => {
  function cacheWithFeed() {
    const feed = new ManualFeed();
    return { feed, cache: new SessionCache<{ userId: string | null }>(feed as unknown as SessionChangeFeed) };
  }

  it('skips a read that spans a change', () => {
    const { feed, cache } = cacheWithFeed();
    const readStartedAt = cache.beginRead();
    feed.change({ sessionIds: ['s1'] });
    cache.remember('s1', { userId: 'u1' }, readStartedAt);
    assert.equal(cache.lookup('s1'), undefined);
  });

  it('keeps logged-in sessions, not anonymous ones', () => {
    const { cache } = cacheWithFeed();
    cache.remember('s1', { userId: 'u1' }, cache.beginRead());
    cache.remember('s2', { userId: null }, cache.beginRead());
    assert.deepEqual(cache.lookup('s1'), { userId: 'u1' });
    assert.equal(cache.lookup('s2'), undefined);
  });

  it('drops named sessions and revoked users', () => {
    const { feed, cache } = cacheWithFeed();
    for (const [sessionId, userId] of [['s1', 'u1'], ['s2', 'u1'], ['s3', 'u2'], ['s4', 'u3']]) {
      cache.remember(sessionId, { userId }, cache.beginRead());
    }

    feed.change({ sessionIds: ['s3'] });
    feed.change({ sessionIds: [], userId: 'u1' });

    assert.deepEqual(
      ['s1', 's2', 's3', 's4'].map((sessionId) => cache.lookup(sessionId) !== undefined),
      [false, false, false, true],
    );
  });
});
