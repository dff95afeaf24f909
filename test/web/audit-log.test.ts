import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DEFAULT_SECURITY_POLICY } from '../../src/config/security-policy';
import { csrfTokenFrom, logIn } from '../support/forms';
import { captureLog, type CapturedLog, type LogLine } from '../support/log-capture';
import { sessionTokenFrom, setCookieValue } from '../support/session-cookies';
import { TEST_SECURITY_POLICY, addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const WRONG_PASSWORD = 'wrong horse battery';
const FAILURES_BEFORE_DELAY = DEFAULT_SECURITY_POLICY.loginThrottle.failuresBeforeDelay;

type Agent = ReturnType<typeof request.agent>;

/** Returns the log lines of one request, found by the X-Request-Id header of its response. */
function linesOfRequest(log: CapturedLog, response: request.Response): LogLine[] {
  const requestId = response.headers['x-request-id'];
  assert.ok(requestId, 'the response has no X-Request-Id');
  return log.lines().filter((line) => line.requestId === requestId);
}

/** Returns the one line with this event among the lines, failing when there is none. */
function eventLine(lines: LogLine[], event: string): LogLine {
  const found = lines.filter((line) => line.event === event);
  assert.equal(found.length, 1, `expected one "${event}" line, got ${found.length}`);
  return found[0];
}

/**
 * Every secret that a test run handled: passwords, stored hashes, session tokens and their
 * signatures, and the Cookie headers that carried them.
 */
class RecordedSecrets {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (value !== undefined && value !== '') {
      this.values.add(value);
    }
  }

  /** Records the session cookies that a response sets. */
  addCookies(response: request.Response): void {
    this.add(sessionTokenFrom(response));
    this.add(setCookieValue(response, 'sid.sig'));
  }

  list(): string[] {
    return [...this.values];
  }
}

describe('audit log', () => {
  const log = captureLog();
  const secrets = new RecordedSecrets();
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ logger: log.logger });
    await addUser(app.users, 'alice', PASSWORD);
    await addUser(app.users, 'bob', PASSWORD);
    secrets.add(PASSWORD);
    secrets.add(WRONG_PASSWORD);
  });
  after(() => app.close());

  /** Logs in through the form, recording every secret of the exchange. */
  async function logInRecorded(agent: Agent, username: string, password: string): Promise<request.Response> {
    const page = await agent.get('/login');
    secrets.addCookies(page);
    const response = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfTokenFrom(page.text), username, password });
    secrets.addCookies(response);
    return response;
  }

  describe('successful login', () => {
    let response: request.Response;
    let lines: LogLine[];
    before(async () => {
      response = await logInRecorded(request.agent(app.server), 'Alice', PASSWORD);
      lines = linesOfRequest(log, response);
    });

    it('logs a login event', () => {
      eventLine(lines, 'login');
    });

    it('names the user id', () => {
      assert.equal(eventLine(lines, 'login').userId, 'alice');
    });

    it('names the client address', () => {
      assert.equal(eventLine(lines, 'login').clientIp, '127.0.0.1');
    });

    it('carries the request id', () => {
      assert.equal(eventLine(lines, 'login').requestId, response.headers['x-request-id']);
    });
  });

  describe('failed login', () => {
    let lines: LogLine[];
    before(async () => {
      const response = await logInRecorded(request.agent(app.server), 'alice', WRONG_PASSWORD);
      assert.equal(response.headers.location, '/login');
      lines = linesOfRequest(log, response);
    });

    it('logs a login_rejected event', () => {
      eventLine(lines, 'login_rejected');
    });

    it('gives the outcome', () => {
      assert.equal(eventLine(lines, 'login_rejected').outcome, 'invalid-credentials');
    });

    it('names the client address', () => {
      assert.equal(eventLine(lines, 'login_rejected').clientIp, '127.0.0.1');
    });

    it('carries the request id', () => {
      assert.equal(typeof eventLine(lines, 'login_rejected').requestId, 'string');
    });

    it('names the targeted account', () => {
      const line = eventLine(lines, 'login_rejected');

      assert.ok(line.userId === 'alice' || line.username === 'alice', 'neither userId nor username is alice');
    });
  });

  describe('throttled login', () => {
    let lines: LogLine[];
    before(async () => {
      for (let attempt = 0; attempt < FAILURES_BEFORE_DELAY; attempt++) {
        await logInRecorded(request.agent(app.server), 'bob', WRONG_PASSWORD);
      }
      const response = await logInRecorded(request.agent(app.server), 'bob', PASSWORD);
      assert.equal(response.headers.location, '/login');
      lines = linesOfRequest(log, response);
    });

    it('logs a login_rejected event', () => {
      eventLine(lines, 'login_rejected');
    });

    it('gives the throttled outcome', () => {
      assert.equal(eventLine(lines, 'login_rejected').outcome, 'throttled');
    });

    it('names the client address', () => {
      assert.equal(eventLine(lines, 'login_rejected').clientIp, '127.0.0.1');
    });

    it('carries the request id', () => {
      assert.equal(typeof eventLine(lines, 'login_rejected').requestId, 'string');
    });
  });

  describe('logout', () => {
    let response: request.Response;
    let lines: LogLine[];
    before(async () => {
      const agent = request.agent(app.server);
      await logInRecorded(agent, 'alice', PASSWORD);
      const dashboard = await agent.get('/dashboard');
      secrets.addCookies(dashboard);
      response = await agent.post('/logout').type('form').send({ _csrf: csrfTokenFrom(dashboard.text) });
      secrets.addCookies(response);
      lines = linesOfRequest(log, response);
    });

    it('logs a logout event', () => {
      eventLine(lines, 'logout');
    });

    it('names the user id', () => {
      assert.equal(eventLine(lines, 'logout').userId, 'alice');
    });

    it('names the client address', () => {
      assert.equal(eventLine(lines, 'logout').clientIp, '127.0.0.1');
    });

    it('carries the request id', () => {
      assert.equal(eventLine(lines, 'logout').requestId, response.headers['x-request-id']);
    });
  });

  describe('revocation by disable', () => {
    let lines: LogLine[];
    before(async () => {
      await addUser(app.users, 'carol', PASSWORD);
      await logInRecorded(request.agent(app.server), 'carol', PASSWORD);
      await logInRecorded(request.agent(app.server), 'carol', PASSWORD);
      const before = log.lines().length;

      await app.accounts.disable('carol');

      lines = log.lines().slice(before);
    });

    it('logs a sessions_revoked event', () => {
      eventLine(lines, 'sessions_revoked');
    });

    it('names the user id', () => {
      assert.equal(eventLine(lines, 'sessions_revoked').userId, 'carol');
    });

    it('gives the reason', () => {
      assert.equal(eventLine(lines, 'sessions_revoked').reason, 'account_disabled');
    });

    it('gives the number ended', () => {
      assert.equal(eventLine(lines, 'sessions_revoked').count, 2);
    });
  });

  describe('every line', () => {
    before(async () => {
      // A few more requests that carry secrets in unusual places.
      const agent = request.agent(app.server);
      await logInRecorded(agent, 'alice', PASSWORD);
      await agent.post(`/login?password=${encodeURIComponent(PASSWORD)}`).type('form').send({ password: PASSWORD });
      await agent.get(`/login?next=${encodeURIComponent(`/dashboard?p=${PASSWORD}`)}`);
      await agent.post('/login').set('Content-Type', 'application/json').send(JSON.stringify({ password: PASSWORD }));
      for (const user of await app.users.listUsers()) {
        secrets.add(user.passwordHash);
      }
    });

    it('is JSON with a message', () => {
      for (const raw of log.rawLines()) {
        const line = JSON.parse(raw) as LogLine;
        assert.equal(typeof line.msg, 'string', raw);
      }
    });

    it('contains no secret', () => {
      const text = log.rawLines().join('\n');
      assert.ok(secrets.list().length >= 6, `only ${secrets.list().length} secrets recorded`);

      for (const secret of secrets.list()) {
        assert.ok(!text.includes(secret), `the log contains the secret ${secret.slice(0, 6)}…`);
      }
    });

    it('contains no bcrypt hash', () => {
      assert.doesNotMatch(log.rawLines().join('\n'), /\$2[aby]\$\d\d\$/);
    });

    it('contains no cookie header', () => {
      for (const raw of log.rawLines()) {
        assert.doesNotMatch(raw, /sid\.sig=|"cookie"/i, raw);
      }
    });
  });
});

describe('audit log of the address limit', () => {
  const log = captureLog();
  let app: TestApp;
  let response: request.Response;
  before(async () => {
    app = await startTestApp({
      logger: log.logger,
      security: { ...TEST_SECURITY_POLICY, loginAttemptsPerAddressPerMinute: 1 },
    });
    await logIn(request.agent(app.server), { username: 'alice', password: WRONG_PASSWORD });
    response = await logIn(request.agent(app.server), { username: 'alice', password: WRONG_PASSWORD });
    assert.equal(response.status, 429);
  });
  after(() => app.close());

  it('logs the client address', () => {
    const lines = linesOfRequest(log, response).filter((line) => line.clientIp === '127.0.0.1');

    assert.ok(lines.length > 0, 'no line of the limited request names the client address');
  });

  it('logs an event name', () => {
    const lines = linesOfRequest(log, response).filter((line) => line.clientIp === '127.0.0.1');

    assert.ok(
      lines.some((line) => typeof line.event === 'string'),
      'the limited request logged no line with an event field',
    );
  });
});
