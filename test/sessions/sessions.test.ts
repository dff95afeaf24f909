import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Timestamp } from '@google-cloud/firestore';
import request from 'supertest';
import { hashPassword } from '../../src/auth/passwords';
import type { SessionPolicy } from '../../src/sessions/session-store';
import { SESSIONS_COLLECTION, hashToken } from '../../src/sessions/session-store';
import { csrfTokenFrom, fetchCsrfToken, logIn } from '../support/forms';
import {
  cookieAttribute,
  hasCookieFlag,
  sessionDocumentFor,
  sessionTokenFrom,
  setCookieLine,
  signedSessionCookie,
} from '../support/session-cookies';
import { TEST_BCRYPT_COST, TEST_SECURITY_POLICY, addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

type Agent = ReturnType<typeof request.agent>;

/** Starts an app whose session policy differs from the test policy in the given fields. */
function startAppWithSessionPolicy(session: Partial<SessionPolicy>): Promise<TestApp> {
  return startTestApp({
    security: { ...TEST_SECURITY_POLICY, session: { ...TEST_SECURITY_POLICY.session, ...session } },
  });
}

/** Logs the agent in and returns the session token that the login response set. */
async function logInAndGetToken(agent: Agent, username: string, fields: Record<string, string> = {}): Promise<string> {
  const response = await logIn(agent, { username, password: PASSWORD, ...fields });
  assert.equal(response.status, 303, `login of ${username} failed`);
  const token = sessionTokenFrom(response);
  assert.ok(token, 'the login response set no sid cookie');
  return token;
}

/**
 * Logs the agent in and views the dashboard once. That first view stores a new CSRF secret,
 * because login starts an empty session, so later views leave the session data unchanged.
 */
async function logInAndViewOnce(agent: Agent, username: string): Promise<void> {
  await logInAndGetToken(agent, username);
  assert.equal(await dashboardStatus(agent), 200);
}

async function dashboardStatus(agent: Agent): Promise<number> {
  return (await agent.get('/dashboard')).status;
}

describe('session token', () => {
  let app: TestApp;
  let token: string;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    token = await logInAndGetToken(request.agent(app.server), 'alice');
  });
  after(() => app.close());

  it('is 43 base64url characters', () => {
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  });

  it('decodes to 32 bytes', () => {
    assert.equal(Buffer.from(token, 'base64url').length, 32);
  });

  it('differs between two logins', async () => {
    const other = await logInAndGetToken(request.agent(app.server), 'alice');

    assert.notEqual(other, token);
  });

  it('hashes to its SHA-256 hex', () => {
    assert.equal(hashToken(token), createHash('sha256').update(token).digest('hex'));
  });

  it('names its document by SHA-256', async () => {
    const documentId = createHash('sha256').update(token).digest('hex');

    const snapshot = await app.firestore.collection(SESSIONS_COLLECTION).doc(documentId).get();

    assert.equal(snapshot.exists, true);
  });

  it('is not a document id', async () => {
    const snapshot = await app.firestore.collection(SESSIONS_COLLECTION).doc(token).get();

    assert.equal(snapshot.exists, false);
  });

  it('is not stored in any field', async () => {
    const snapshot = await app.firestore.collection(SESSIONS_COLLECTION).get();
    assert.ok(snapshot.size > 0, 'the sessions collection is empty');

    for (const document of snapshot.docs) {
      assert.ok(!JSON.stringify(document.data()).includes(token), `document ${document.id} contains the token`);
    }
  });

  it('stores no password', async () => {
    const snapshot = await app.firestore.collection(SESSIONS_COLLECTION).get();

    for (const document of snapshot.docs) {
      assert.ok(!JSON.stringify(document.data()).includes(PASSWORD), `document ${document.id} contains the password`);
    }
  });

  describe('document after login', () => {
    it('records the user id', async () => {
      const document = await sessionDocumentFor(app.firestore, token);

      assert.equal(document?.userId, 'alice');
    });

    it('has Timestamp createdAt and lastSeenAt', async () => {
      const document = await sessionDocumentFor(app.firestore, token);

      assert.ok(document?.createdAt instanceof Timestamp, 'createdAt is not a Timestamp');
      assert.ok(document.lastSeenAt instanceof Timestamp, 'lastSeenAt is not a Timestamp');
    });

    it('has a future expiresAt Timestamp', async () => {
      const document = await sessionDocumentFor(app.firestore, token);

      assert.ok(document?.expiresAt instanceof Timestamp, 'expiresAt is not a Timestamp');
      assert.ok(document.expiresAt.toMillis() > Date.now(), 'expiresAt is in the past');
    });
  });
});

describe('session at logout', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  it('deletes the session document', async () => {
    const agent = request.agent(app.server);
    const token = await logInAndGetToken(agent, 'alice');
    const logoutToken = await fetchCsrfToken(agent, '/logout');

    await agent.post('/logout').type('form').send({ _csrf: logoutToken });

    assert.equal(await sessionDocumentFor(app.firestore, token), undefined);
  });

  it('rejects the copied cookie pair', async () => {
    const agent = request.agent(app.server);
    const token = await logInAndGetToken(agent, 'alice');
    const copiedCookie = signedSessionCookie(app.sessionKeys, token);
    const beforeLogout = await request(app.server).get('/dashboard').set('Cookie', copiedCookie);
    assert.equal(beforeLogout.status, 200);
    const dashboard = await agent.get('/dashboard');
    await agent.post('/logout').type('form').send({ _csrf: csrfTokenFrom(dashboard.text) });

    const replay = await request(app.server).get('/dashboard').set('Cookie', copiedCookie);

    assert.equal(replay.status, 302);
    assert.equal(replay.headers.location, '/login?next=%2Fdashboard');
  });
});

describe('client-chosen session token', () => {
  const CHOSEN_TOKEN = 'AttackerChosenToken0123456789abcdefghijklmno';
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  it('is replaced by a new token', async () => {
    const response = await request(app.server)
      .get('/login')
      .set('Cookie', signedSessionCookie(app.sessionKeys, CHOSEN_TOKEN));

    const issued = sessionTokenFrom(response);
    assert.ok(issued, 'the response set no sid cookie');
    assert.notEqual(issued, CHOSEN_TOKEN);
  });

  it('gets no session document', async () => {
    await request(app.server).get('/login').set('Cookie', signedSessionCookie(app.sessionKeys, CHOSEN_TOKEN));

    assert.equal(await sessionDocumentFor(app.firestore, CHOSEN_TOKEN), undefined);
  });

  it('stays anonymous after victim login', async () => {
    const victim = request.agent(app.server);
    victim.jar.setCookies(signedSessionCookie(app.sessionKeys, CHOSEN_TOKEN).split('; '), '127.0.0.1', '/');
    await logInAndGetToken(victim, 'alice');

    const attacker = await request(app.server)
      .get('/dashboard')
      .set('Cookie', signedSessionCookie(app.sessionKeys, CHOSEN_TOKEN));

    assert.equal(attacker.status, 302);
  });
});

describe('session at login', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  it('changes the token', async () => {
    const agent = request.agent(app.server);
    const anonymous = await agent.get('/login');
    const anonymousToken = sessionTokenFrom(anonymous);
    assert.ok(anonymousToken, 'GET /login set no sid cookie');

    const loggedInToken = await logInAndGetToken(agent, 'alice');

    assert.notEqual(loggedInToken, anonymousToken);
  });

  it('deletes the anonymous document', async () => {
    const agent = request.agent(app.server);
    const anonymousToken = sessionTokenFrom(await agent.get('/login'));
    assert.ok(anonymousToken, 'GET /login set no sid cookie');
    assert.ok(await sessionDocumentFor(app.firestore, anonymousToken), 'no anonymous session document');

    await logInAndGetToken(agent, 'alice');

    assert.equal(await sessionDocumentFor(app.firestore, anonymousToken), undefined);
  });

  it('rejects the anonymous cookie afterwards', async () => {
    const agent = request.agent(app.server);
    const anonymousToken = sessionTokenFrom(await agent.get('/login'));
    assert.ok(anonymousToken, 'GET /login set no sid cookie');
    await logInAndGetToken(agent, 'alice');

    const response = await request(app.server)
      .get('/dashboard')
      .set('Cookie', signedSessionCookie(app.sessionKeys, anonymousToken));

    assert.equal(response.status, 302);
  });
});

describe('session idle timeout', () => {
  const IDLE_TIMEOUT_MS = 1500;
  let app: TestApp;
  before(async () => {
    app = await startAppWithSessionPolicy({ idleTimeoutMs: IDLE_TIMEOUT_MS, activityRefreshMs: 0 });
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  it('ends an idle session', { timeout: 15_000 }, async () => {
    const agent = request.agent(app.server);
    await logInAndGetToken(agent, 'alice');
    assert.equal(await dashboardStatus(agent), 200);

    await sleep(IDLE_TIMEOUT_MS + 500);

    const response = await agent.get('/dashboard');
    assert.equal(response.status, 302);
    assert.equal(response.headers.location, '/login?next=%2Fdashboard');
  });

  it('keeps an active session', { timeout: 15_000 }, async () => {
    const agent = request.agent(app.server);
    await logInAndGetToken(agent, 'alice');
    const startedAt = Date.now();

    // Views every 500 ms for more than twice the idle timeout.
    while (Date.now() - startedAt < 2 * IDLE_TIMEOUT_MS + 500) {
      const elapsedMs = Date.now() - startedAt;
      assert.equal(await dashboardStatus(agent), 200, `the session ended ${elapsedMs} ms after login`);
      await sleep(500);
    }
  });
});

describe('session maximum lifetime', () => {
  const MAX_LIFETIME_MS = 1500;
  let app: TestApp;
  before(async () => {
    app = await startAppWithSessionPolicy({ maxLifetimeMs: MAX_LIFETIME_MS, activityRefreshMs: 0 });
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  it('ends an active session', { timeout: 15_000 }, async () => {
    const agent = request.agent(app.server);
    await logInAndGetToken(agent, 'alice');
    const loggedInAt = Date.now();
    assert.equal(await dashboardStatus(agent), 200);

    // Views every 400 ms, which would keep the session alive if only the idle timeout applied.
    let lastStatus = 200;
    while (Date.now() - loggedInAt < MAX_LIFETIME_MS + 1000) {
      await sleep(400);
      lastStatus = await dashboardStatus(agent);
    }

    assert.equal(lastStatus, 302);
  });
});

describe('remember me', () => {
  const REMEMBER_ME_MS = TEST_SECURITY_POLICY.session.rememberMeLifetimeMs;
  const IDLE_TIMEOUT_MS = TEST_SECURITY_POLICY.session.idleTimeoutMs;
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  describe('when checked', () => {
    it('sets a cookie for 30 days', async () => {
      const response = await logIn(request.agent(app.server), { username: 'alice', password: PASSWORD, remember: 'on' });

      const line = setCookieLine(response, 'sid');
      assert.ok(line, 'no sid cookie');
      const expires = cookieAttribute(line, 'expires');
      assert.ok(expires, 'the sid cookie has no Expires');
      const aheadMs = Date.parse(expires) - Date.now();
      assert.ok(Math.abs(aheadMs - REMEMBER_ME_MS) < MINUTE_MS, `the cookie expires in ${aheadMs / DAY_MS} days`);
    });

    it('stores expiresAt 30 days ahead', async () => {
      const token = await logInAndGetToken(request.agent(app.server), 'alice', { remember: 'on' });

      const document = await sessionDocumentFor(app.firestore, token);
      assert.ok(document?.expiresAt instanceof Timestamp, 'no expiresAt Timestamp');
      const aheadMs = document.expiresAt.toMillis() - Date.now();
      assert.ok(Math.abs(aheadMs - REMEMBER_ME_MS) < MINUTE_MS, `expiresAt is ${aheadMs / DAY_MS} days ahead`);
    });
  });

  describe('when not checked', () => {
    it('sets a browser-session cookie', async () => {
      const response = await logIn(request.agent(app.server), { username: 'alice', password: PASSWORD });

      const line = setCookieLine(response, 'sid');
      assert.ok(line, 'no sid cookie');
      assert.equal(cookieAttribute(line, 'expires'), undefined);
      assert.equal(cookieAttribute(line, 'max-age'), undefined);
    });

    it('stays a browser-session cookie', async () => {
      const agent = request.agent(app.server);
      await logInAndGetToken(agent, 'alice');

      const response = await agent.get('/dashboard');

      const line = setCookieLine(response, 'sid');
      assert.equal(line === undefined ? undefined : cookieAttribute(line, 'expires'), undefined);
    });

    it('stores expiresAt one idle timeout ahead', async () => {
      const token = await logInAndGetToken(request.agent(app.server), 'alice');

      const document = await sessionDocumentFor(app.firestore, token);
      assert.ok(document?.expiresAt instanceof Timestamp, 'no expiresAt Timestamp');
      const aheadMs = document.expiresAt.toMillis() - Date.now();
      assert.ok(Math.abs(aheadMs - IDLE_TIMEOUT_MS) < MINUTE_MS, `expiresAt is ${aheadMs / MINUTE_MS} minutes ahead`);
    });
  });
});

describe('session cookie', () => {
  let app: TestApp;
  let token: string;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    token = await logInAndGetToken(request.agent(app.server), 'alice');
  });
  after(() => app.close());

  describe('attributes', () => {
    let line: string;
    before(async () => {
      const response = await logIn(request.agent(app.server), { username: 'alice', password: PASSWORD });
      const sidLine = setCookieLine(response, 'sid');
      assert.ok(sidLine, 'no sid cookie');
      line = sidLine;
    });

    it('is HttpOnly', () => {
      assert.equal(hasCookieFlag(line, 'httponly'), true);
    });

    it('is SameSite=Lax', () => {
      assert.equal(cookieAttribute(line, 'samesite')?.toLowerCase(), 'lax');
    });

    it('comes with sid.sig', async () => {
      const response = await logIn(request.agent(app.server), { username: 'alice', password: PASSWORD });

      assert.ok(setCookieLine(response, 'sid.sig'), 'no sid.sig cookie');
    });
  });

  describe('when signed correctly', () => {
    it('opens the dashboard', async () => {
      const response = await request(app.server).get('/dashboard').set('Cookie', signedSessionCookie(app.sessionKeys, token));

      assert.equal(response.status, 200);
    });
  });

  describe('when tampered with', () => {
    const tamperings: { name: string; cookie: () => string }[] = [
      {
        name: 'changed token, same signature',
        cookie: () => {
          const signature = signedSessionCookie(app.sessionKeys, token).split('; ')[1];
          const changed = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
          return `sid=${changed}; ${signature}`;
        },
      },
      {
        name: 'changed signature',
        cookie: () => {
          const [sid, signature] = signedSessionCookie(app.sessionKeys, token).split('; ');
          const last = signature.at(-1) === 'A' ? 'B' : 'A';
          return `${sid}; ${signature.slice(0, -1)}${last}`;
        },
      },
      { name: 'missing signature', cookie: () => `sid=${token}` },
      {
        name: 'signature from another key',
        cookie: () => signedSessionCookie(['some other key'], token),
      },
    ];

    for (const { name, cookie } of tamperings) {
      it(`gives an anonymous session for ${name}`, async () => {
        const response = await request(app.server).get('/dashboard').set('Cookie', cookie());

        assert.equal(response.status, 302);
        assert.equal(response.headers.location, '/login?next=%2Fdashboard');
      });
    }
  });

  describe('with a garbage value', () => {
    const garbageCookies: { name: string; cookie: () => string }[] = [
      { name: 'bad percent-encoding', cookie: () => 'sid=%E0%A4%A%zz; sid.sig=%%%' },
      { name: 'non-base64 characters', cookie: () => 'sid=!!!$$$***(((; sid.sig=***' },
      { name: 'a 4 KB unsigned value', cookie: () => `sid=${'x'.repeat(4096)}; sid.sig=abc` },
      { name: 'a 4 KB signed value', cookie: () => signedSessionCookie(app.sessionKeys, 'x'.repeat(4096)) },
      { name: 'a signed non-base64 value', cookie: () => signedSessionCookie(app.sessionKeys, '%00..%2F!*') },
      { name: 'an unterminated quote', cookie: () => 'sid="abc; sid.sig="' },
      { name: 'empty values', cookie: () => 'sid=; sid.sig=' },
    ];

    for (const { name, cookie } of garbageCookies) {
      it(`redirects the dashboard for ${name}`, async () => {
        const response = await request(app.server).get('/dashboard').set('Cookie', cookie());

        assert.equal(response.status, 302);
      });

      it(`shows the login page for ${name}`, async () => {
        const response = await request(app.server).get('/login').set('Cookie', cookie());

        assert.equal(response.status, 200);
      });
    }
  });
});

describe('account changes end sessions', () => {
  let app: TestApp;
  let bystander: Agent;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'bob', PASSWORD);
    bystander = request.agent(app.server);
    await logInAndGetToken(bystander, 'bob');
  });
  after(() => app.close());

  const changes: { name: string; act: (username: string) => Promise<number> }[] = [
    { name: 'disable', act: (username) => app.accounts.disable(username) },
    {
      name: 'changePasswordHash',
      act: async (username) => app.accounts.changePasswordHash(username, await hashPassword('a new password', TEST_BCRYPT_COST)),
    },
    { name: 'delete', act: (username) => app.accounts.delete(username) },
    { name: 'revokeSessions', act: (username) => app.accounts.revokeSessions(username) },
  ];

  for (const { name, act } of changes) {
    describe(name, () => {
      const username = `user-${name.toLowerCase()}`;
      let first: Agent;
      let second: Agent;
      let revoked: number;
      before(async () => {
        await addUser(app.users, username, PASSWORD);
        first = request.agent(app.server);
        second = request.agent(app.server);
        await logInAndGetToken(first, username);
        await logInAndGetToken(second, username);
        assert.equal(await dashboardStatus(first), 200);
        assert.equal(await dashboardStatus(second), 200);

        revoked = await act(username);
      });

      it('returns the ended count', () => {
        assert.equal(revoked, 2);
      });

      it('logs out the first agent', async () => {
        assert.equal(await dashboardStatus(first), 302);
      });

      it('logs out the second agent', async () => {
        assert.equal(await dashboardStatus(second), 302);
      });

      it('leaves no session documents', async () => {
        const remaining = await app.firestore.collection(SESSIONS_COLLECTION).where('userId', '==', username).get();

        assert.equal(remaining.size, 0);
      });

      it('keeps another user logged in', async () => {
        assert.equal(await dashboardStatus(bystander), 200);
      });
    });
  }

  describe('revokeAllForUser', () => {
    it('returns the number of sessions', async () => {
      await addUser(app.users, 'carol', PASSWORD);
      for (let login = 0; login < 3; login++) {
        await logInAndGetToken(request.agent(app.server), 'carol');
      }

      assert.equal(await app.services.sessions.revokeAllForUser('carol'), 3);
    });

    it('returns zero without sessions', async () => {
      assert.equal(await app.services.sessions.revokeAllForUser('nobody'), 0);
    });
  });
});

describe('session activity refresh', () => {
  describe('with the default interval', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
      await addUser(app.users, 'alice', PASSWORD);
    });
    after(() => app.close());

    it('writes nothing across views', async () => {
      const agent = request.agent(app.server);
      await logInAndViewOnce(agent, 'alice');
      const before = app.services.operations.snapshot();

      for (let view = 0; view < 5; view++) {
        assert.equal(await dashboardStatus(agent), 200);
      }

      const after = app.services.operations.snapshot();
      assert.equal(after.writes - before.writes, 0);
    });
  });

  describe('with no interval', () => {
    let app: TestApp;
    before(async () => {
      app = await startAppWithSessionPolicy({ activityRefreshMs: 0 });
      await addUser(app.users, 'alice', PASSWORD);
    });
    after(() => app.close());

    it('writes once per view', async () => {
      const agent = request.agent(app.server);
      await logInAndViewOnce(agent, 'alice');
      const before = app.services.operations.snapshot();

      for (let view = 0; view < 5; view++) {
        assert.equal(await dashboardStatus(agent), 200);
      }

      const after = app.services.operations.snapshot();
      assert.equal(after.writes - before.writes, 5);
    });
  });

  describe('with a one-second interval', () => {
    const REFRESH_MS = 1000;
    let app: TestApp;
    before(async () => {
      app = await startAppWithSessionPolicy({ activityRefreshMs: REFRESH_MS });
      await addUser(app.users, 'alice', PASSWORD);
    });
    after(() => app.close());

    it('writes at most once per interval', { timeout: 15_000 }, async () => {
      const agent = request.agent(app.server);
      await logInAndViewOnce(agent, 'alice');
      const before = app.services.operations.snapshot();
      const startedAt = Date.now();

      while (Date.now() - startedAt < 2.5 * REFRESH_MS) {
        assert.equal(await dashboardStatus(agent), 200);
        await sleep(100);
      }

      const elapsedMs = Date.now() - startedAt;
      const writes = app.services.operations.snapshot().writes - before.writes;
      assert.ok(writes >= 1, 'no activity write in 2.5 intervals');
      assert.ok(writes <= Math.floor(elapsedMs / REFRESH_MS) + 1, `${writes} writes in ${elapsedMs} ms`);
    });
  });
});
