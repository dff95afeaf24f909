import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createUserRepository, type UserRepository } from '../../src/users/user-repository';
import { MESSAGES } from '../../src/web/messages';
import { fetchCsrfToken, logIn } from '../support/forms';
import { addUser, newFirestore, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const INTERNAL_DETAIL = 'secret internal detail';

// FORM_BODY_LIMIT in src/app.ts is 16 KB.
const OVERSIZED_FIELD = 'x'.repeat(17 * 1024);

type Agent = ReturnType<typeof request.agent>;

function throwInternalError(): Promise<never> {
  return Promise.reject(new Error(INTERNAL_DETAIL));
}

/** Asserts that an error page contains no internal error message, stack frame or source location. */
function assertNoInternals(html: string): void {
  assert.ok(!html.includes(INTERNAL_DETAIL), 'the internal error message is shown');
  assert.doesNotMatch(html, /^\s*at /m, 'a stack frame line');
  assert.doesNotMatch(html, /\bat \S+ \(/, 'a stack frame');
  assert.doesNotMatch(html, /\.ts:/);
  assert.doesNotMatch(html, /\.js:/);
}

describe('unknown paths', () => {
  let app: TestApp;
  let loggedIn: Agent;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    loggedIn = request.agent(app.server);
    await logIn(loggedIn, { username: 'alice', password: PASSWORD });
  });
  after(() => app.close());

  const cases: { path: string; who: string; agent: () => Agent }[] = [];
  for (const path of ['/nope', '/static/missing.css']) {
    cases.push({ path, who: 'anonymous', agent: () => request.agent(app.server) });
    cases.push({ path, who: 'logged-in', agent: () => loggedIn });
  }

  for (const { path, who, agent } of cases) {
    describe(`GET ${path} when ${who}`, () => {
      it('renders the 404 page', async () => {
        const response = await agent().get(path);

        assert.equal(response.status, 404);
        assert.match(response.headers['content-type'], /^text\/html/);
        assert.match(response.text, /<h1 id="error-heading">Page not found<\/h1>/);
        assert.ok(response.text.includes(MESSAGES.notFound), 'no not-found message');
      });
    });
  }

  it('shows who is logged in', async () => {
    const response = await loggedIn.get('/nope');

    assert.match(response.text, /Signed in as <strong>alice<\/strong>/);
  });
});

describe('internal errors', () => {
  interface AppWithOwnRepository {
    app: TestApp;
    users: UserRepository;
    close(): Promise<void>;
  }

  /** Starts an app on a real repository of its own, which a test can then break. */
  async function startAppWithOwnRepository(): Promise<AppWithOwnRepository> {
    const firestore = newFirestore();
    const users = createUserRepository(firestore);
    const app = await startTestApp({ users });
    await addUser(users, 'alice', PASSWORD);
    return {
      app,
      users,
      async close() {
        await app.close();
        await firestore.terminate();
      },
    };
  }

  describe('POST /login when the user lookup fails', () => {
    let started: AppWithOwnRepository;
    before(async () => {
      started = await startAppWithOwnRepository();
      started.users.findByUsername = throwInternalError;
    });
    after(() => started.close());

    it('renders a generic 500 page', async () => {
      const agent = request.agent(started.app.server);
      const token = await fetchCsrfToken(agent);

      const response = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: token, username: 'alice', password: PASSWORD });

      assert.equal(response.status, 500);
      assert.match(response.headers['content-type'], /^text\/html/);
      assert.match(response.text, /<h1 id="error-heading">Server error<\/h1>/);
      assert.ok(response.text.includes(MESSAGES.internalError), 'no generic error message');
      assertNoInternals(response.text);
    });
  });

  describe('GET /dashboard when the session lookup fails', () => {
    let started: AppWithOwnRepository;
    before(async () => {
      started = await startAppWithOwnRepository();
    });
    after(() => started.close());

    it('renders a generic 500 page', async () => {
      const agent = request.agent(started.app.server);
      const login = await logIn(agent, { username: 'alice', password: PASSWORD });
      assert.equal(login.status, 303);
      started.app.services.sessions.get = throwInternalError;

      const response = await agent.get('/dashboard');

      assert.equal(response.status, 500);
      assert.ok(response.text.includes(MESSAGES.internalError), 'no generic error message');
      assert.equal(response.headers['cache-control'], 'no-store');
      assertNoInternals(response.text);
    });
  });
});

describe('POST /login with an oversized body', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it('renders the 413 page', async () => {
    const agent = request.agent(app.server);
    const token = await fetchCsrfToken(agent);

    const response = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: token, username: OVERSIZED_FIELD, password: PASSWORD });

    assert.equal(response.status, 413);
    assert.match(response.headers['content-type'], /^text\/html/);
    assert.match(response.text, /<h1 id="error-heading">Request not accepted<\/h1>/);
  });

  it('accepts a body under the limit', async () => {
    const agent = request.agent(app.server);
    const token = await fetchCsrfToken(agent);

    const response = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: token, username: 'x'.repeat(15 * 1024), password: PASSWORD });

    assert.equal(response.status, 303);
  });
});
