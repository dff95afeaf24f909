import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { LOGIN_THROTTLES_COLLECTION, LoginThrottle } from '../../src/auth/login-throttle';
import { DEFAULT_SECURITY_POLICY, loadSecurityPolicy } from '../../src/config/security-policy';
import { MESSAGES } from '../../src/web/messages';
import { fetchCsrfToken, flashesIn, logIn } from '../support/forms';
import { TEST_SECURITY_POLICY, addUser, newFirestore, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const WRONG_PASSWORD = 'not the password';
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const FAILURES_BEFORE_DELAY = DEFAULT_SECURITY_POLICY.loginThrottle.failuresBeforeDelay;

type Agent = ReturnType<typeof request.agent>;

interface AttemptResult {
  /** The flash messages on the login page that the attempt redirected to. */
  flashes: string[];
  /** The status of GET /dashboard after the attempt: 200 when logged in. */
  dashboardStatus: number;
}

/** Posts the login form from a fresh client and returns what the person then sees. */
async function attemptLogin(app: TestApp, username: string, password: string): Promise<AttemptResult> {
  const agent: Agent = request.agent(app.server);
  const response = await logIn(agent, { username, password });
  assert.equal(response.status, 303, `POST /login answered ${response.status}`);

  const page = await agent.get('/login');
  const dashboard = await agent.get('/dashboard');
  return { flashes: flashesIn(page.text), dashboardStatus: dashboard.status };
}

async function failLogins(app: TestApp, username: string, count: number): Promise<void> {
  for (let attempt = 0; attempt < count; attempt++) {
    const result = await attemptLogin(app, username, WRONG_PASSWORD);
    assert.deepEqual(result.flashes, [MESSAGES.loginIncorrect], `attempt ${attempt + 1} was not a plain failure`);
  }
}

describe('login throttle over HTTP', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  describe('after five wrong passwords', () => {
    let result: AttemptResult;
    before(async () => {
      await addUser(app.users, 'alice', PASSWORD);
      await failLogins(app, 'alice', FAILURES_BEFORE_DELAY);

      result = await attemptLogin(app, 'alice', PASSWORD);
    });

    it('shows the throttled message', () => {
      assert.deepEqual(result.flashes, [MESSAGES.loginThrottled(1)]);
    });

    it('opens no session', () => {
      assert.equal(result.dashboardStatus, 302);
    });
  });

  describe('after four wrong passwords', () => {
    it('still accepts the right one', async () => {
      await addUser(app.users, 'april', PASSWORD);
      await failLogins(app, 'april', FAILURES_BEFORE_DELAY - 1);

      const result = await attemptLogin(app, 'april', PASSWORD);

      assert.equal(result.dashboardStatus, 200);
    });
  });

  describe('for an unknown username', () => {
    it('shows the same throttled message', async () => {
      await failLogins(app, 'nobody-here', FAILURES_BEFORE_DELAY);

      const result = await attemptLogin(app, 'nobody-here', PASSWORD);

      assert.deepEqual(result.flashes, [MESSAGES.loginThrottled(1)]);
    });
  });

  describe('for spellings of one name', () => {
    it('shares one counter', async () => {
      await addUser(app.users, 'Bella', PASSWORD);
      await failLogins(app, 'Bella', 2);
      await failLogins(app, 'bella', 2);
      await failLogins(app, 'BELLA', 1);

      const result = await attemptLogin(app, 'bella', PASSWORD);

      assert.deepEqual(result.flashes, [MESSAGES.loginThrottled(1)]);
    });
  });

  describe('after a success', () => {
    it('starts counting from zero', async () => {
      await addUser(app.users, 'carol', PASSWORD);
      await failLogins(app, 'carol', FAILURES_BEFORE_DELAY - 1);
      assert.equal((await attemptLogin(app, 'carol', PASSWORD)).dashboardStatus, 200);
      await failLogins(app, 'carol', FAILURES_BEFORE_DELAY - 1);

      const result = await attemptLogin(app, 'carol', PASSWORD);

      assert.equal(result.dashboardStatus, 200);
    });
  });

  describe('after an unlock', () => {
    it('accepts the right password', async () => {
      await addUser(app.users, 'dave', PASSWORD);
      await failLogins(app, 'dave', FAILURES_BEFORE_DELAY);
      assert.equal((await attemptLogin(app, 'dave', PASSWORD)).dashboardStatus, 302);

      await app.accounts.unlock('Dave');

      const result = await attemptLogin(app, 'dave', PASSWORD);
      assert.equal(result.dashboardStatus, 200);
    });
  });

  describe('for another username', () => {
    it('does not throttle it', async () => {
      await addUser(app.users, 'erin', PASSWORD);
      await addUser(app.users, 'frank', PASSWORD);
      await failLogins(app, 'erin', FAILURES_BEFORE_DELAY);

      const result = await attemptLogin(app, 'frank', PASSWORD);

      assert.equal(result.dashboardStatus, 200);
    });
  });
});

describe('LoginThrottle.delayAfter', () => {
  const throttle = new LoginThrottle(newFirestore(), DEFAULT_SECURITY_POLICY.loginThrottle);
  const maxDelayMs = DEFAULT_SECURITY_POLICY.loginThrottle.maxDelayMs;

  const table: { failures: number; delayMs: number }[] = [
    { failures: 0, delayMs: 0 },
    { failures: 4, delayMs: 0 },
    { failures: 5, delayMs: 30 * SECOND_MS },
    { failures: 6, delayMs: 60 * SECOND_MS },
    { failures: 7, delayMs: 120 * SECOND_MS },
    { failures: 8, delayMs: 240 * SECOND_MS },
    { failures: 9, delayMs: 480 * SECOND_MS },
    { failures: 10, delayMs: 15 * MINUTE_MS },
    { failures: 11, delayMs: 15 * MINUTE_MS },
    { failures: 100, delayMs: 15 * MINUTE_MS },
    { failures: 1_000_000, delayMs: 15 * MINUTE_MS },
  ];

  for (const { failures, delayMs } of table) {
    it(`waits ${delayMs / SECOND_MS} s after ${failures}`, () => {
      assert.equal(throttle.delayAfter(failures), delayMs);
    });
  }

  it('never exceeds the maximum', () => {
    for (let failures = 0; failures <= 200; failures++) {
      assert.ok(throttle.delayAfter(failures) <= maxDelayMs, `${failures} failures`);
    }
  });

  it('never shortens with more failures', () => {
    for (let failures = 1; failures <= 200; failures++) {
      assert.ok(throttle.delayAfter(failures) >= throttle.delayAfter(failures - 1), `${failures} failures`);
    }
  });

  describe('at the largest configurable threshold', () => {
    const policy = loadSecurityPolicy({ LOGIN_FAILURES_BEFORE_DELAY: '50' });
    const strictest = new LoginThrottle(newFirestore(), policy.loginThrottle);

    it('delays every failure from 50 to 100', () => {
      for (let failures = 50; failures <= 100; failures++) {
        assert.ok(strictest.delayAfter(failures) > 0, `no delay after ${failures} failures`);
      }
    });

    it('rejects a threshold of 101', () => {
      assert.throws(() => loadSecurityPolicy({ LOGIN_FAILURES_BEFORE_DELAY: '101' }));
    });
  });
});

describe('login throttle under concurrency', () => {
  const CONCURRENT_ATTEMPTS = 10;
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      security: {
        ...TEST_SECURITY_POLICY,
        loginThrottle: { ...TEST_SECURITY_POLICY.loginThrottle, failuresBeforeDelay: 50 },
      },
    });
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  it('counts every concurrent failure', { timeout: 60_000 }, async () => {
    const agents = Array.from({ length: CONCURRENT_ATTEMPTS }, () => request.agent(app.server));
    const tokens = await Promise.all(agents.map((agent) => fetchCsrfToken(agent)));

    const responses = await Promise.all(
      agents.map((agent, index) =>
        agent.post('/login').type('form').send({ _csrf: tokens[index], username: 'Alice', password: WRONG_PASSWORD }),
      ),
    );

    for (const response of responses) {
      assert.equal(response.headers.location, '/login');
    }
    const documentId = createHash('sha256').update('alice', 'utf8').digest('hex');
    const snapshot = await app.firestore.collection(LOGIN_THROTTLES_COLLECTION).doc(documentId).get();
    assert.equal(snapshot.get('consecutiveFailures'), CONCURRENT_ATTEMPTS);
  });
});

describe('login rate limit per address', () => {
  const LIMIT = 3;
  let app: TestApp;
  let limited: request.Response;
  before(async () => {
    app = await startTestApp({ security: { ...TEST_SECURITY_POLICY, loginAttemptsPerAddressPerMinute: LIMIT } });
    await addUser(app.users, 'alice', PASSWORD);
    for (let attempt = 0; attempt < LIMIT; attempt++) {
      const allowed = await logIn(request.agent(app.server), { username: 'alice', password: WRONG_PASSWORD });
      assert.equal(allowed.status, 303, `attempt ${attempt + 1} was not allowed`);
    }

    limited = await logIn(request.agent(app.server), { username: 'alice', password: PASSWORD });
  });
  after(() => app.close());

  it('answers 429 past the limit', () => {
    assert.equal(limited.status, 429);
  });

  it('answers with an HTML page', () => {
    assert.match(limited.headers['content-type'] ?? '', /^text\/html/);
  });

  it('shows the rate limit message', () => {
    assert.ok(limited.text.includes(MESSAGES.tooManyRequests), 'the page lacks the rate limit message');
  });

  it('sends Retry-After in seconds', () => {
    const retryAfter = Number(limited.headers['retry-after']);

    assert.ok(Number.isInteger(retryAfter), `Retry-After is ${limited.headers['retry-after']}`);
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After is ${retryAfter}`);
  });

  it('opens no session', async () => {
    const agent = request.agent(app.server);
    await logIn(agent, { username: 'alice', password: PASSWORD });

    assert.equal((await agent.get('/dashboard')).status, 302);
  });

  it('still serves GET /login', async () => {
    const response = await request(app.server).get('/login');

    assert.equal(response.status, 200);
  });
});
