import assert from 'node:assert/strict';
import { MAX_REAUTHENTICATION_FAILURES } from '../../src/web/reauthentication';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { MESSAGES } from '../../src/web/messages';
import { fetchCsrfToken, flashesIn, submitForm } from '../support/forms';
import { logInClient, type LoggedInClient } from '../support/logged-in';
import { itMarksTheInvalidField } from '../support/field-errors';
import { hiddenFieldValue, inputTagFor } from '../support/pages';
import { ageLastPasswordEntry, sessionDocumentFor, sessionTokenFrom } from '../support/session-cookies';
import { TEST_SECURITY_POLICY, addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const STALE_MS = TEST_SECURITY_POLICY.freshLoginMs + 1000;

type Agent = ReturnType<typeof request.agent>;

type LoggedIn = LoggedInClient;

/** Logs in and makes the login stale, as if it happened past the fresh-login window. */
async function logInStale(app: TestApp, username: string): Promise<LoggedIn> {
  const client = await logInClient(app, username, PASSWORD);
  await ageLastPasswordEntry(app.firestore, client.token, STALE_MS);
  return client;
}

function confirm(agent: Agent, fields: Record<string, string>) {
  return submitForm(agent, '/account/confirm', '/account/confirm', fields);
}

describe('GET /account/confirm', () => {
  let app: TestApp;
  let page: request.Response;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'Alice', PASSWORD);
    const { agent } = await logInStale(app, 'alice');
    page = await agent.get('/account/confirm?next=%2Faccount');
  });
  after(() => app.close());

  it('shows the username', () => {
    assert.equal(page.status, 200);
    assert.match(page.text, /signed in as <strong>Alice<\/strong>/);
  });

  it('asks for the current password', () => {
    const tag = inputTagFor(page.text, 'password') ?? '';

    assert.match(tag, /type="password"/);
    assert.match(tag, /autocomplete="current-password"/);
  });

  it('carries the return path', () => {
    assert.equal(hiddenFieldValue(page.text, 'next'), '/account');
  });

  it('drops an unsafe return path', async () => {
    const { agent } = await logInStale(app, 'alice');

    const unsafe = await agent.get('/account/confirm?next=%2F%2Fevil.example');

    assert.equal(hiddenFieldValue(unsafe.text, 'next'), '/account');
  });

  it('sends anonymous visitors to log in', async () => {
    const response = await request(app.server).get('/account/confirm');

    assert.equal(response.status, 302);
    assert.match(response.headers.location, /^\/login\?next=/);
  });
});

describe('POST /account/confirm', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  describe('with the right password', () => {
    let loggedIn: LoggedIn;
    let response: request.Response;
    before(async () => {
      loggedIn = await logInStale(app, 'alice');
      response = await confirm(loggedIn.agent, { password: PASSWORD, next: '/account' });
    });

    it('returns to the account page', () => {
      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/account');
    });

    it('says to continue', async () => {
      const page = await loggedIn.agent.get('/account');

      assert.deepEqual(flashesIn(page.text), [MESSAGES.passwordConfirmed]);
    });

    it('moves the session to a new token', async () => {
      const newToken = sessionTokenFrom(response);

      assert.ok(newToken);
      assert.notEqual(newToken, loggedIn.token);
      assert.equal(await sessionDocumentFor(app.firestore, loggedIn.token), undefined);
    });

    it('lets the sensitive actions through', async () => {
      const action = await submitForm(loggedIn.agent, '/account', '/account/sessions/revoke-others', {});

      assert.equal(action.headers.location, '/account');
    });
  });

  describe('with an unsafe return path', () => {
    it('returns to the account page', async () => {
      const { agent } = await logInStale(app, 'alice');

      const response = await confirm(agent, { password: PASSWORD, next: 'https://evil.example/' });

      assert.equal(response.headers.location, '/account');
    });
  });

  const rejected = [
    { name: 'a wrong password', password: 'not the password', message: MESSAGES.currentPasswordIncorrect },
    { name: 'an empty password', password: '', message: MESSAGES.passwordMissing },
  ];

  for (const { name, password, message } of rejected) {
    describe(`with ${name}`, () => {
      let loggedIn: LoggedIn;
      let response: request.Response;
      before(async () => {
        loggedIn = await logInStale(app, 'alice');
        response = await confirm(loggedIn.agent, { password, next: '/account' });
      });

      it('answers 422 with the form', () => {
        assert.equal(response.status, 422);
        assert.match(response.text, /action="\/account\/confirm"/);
      });

      itMarksTheInvalidField(() => response, 'password', new RegExp(`^${message}$`), ['password']);

      it('keeps the login stale', async () => {
        const action = await submitForm(loggedIn.agent, '/account', '/account/sessions/revoke-others', {});

        assert.equal(action.headers.location, '/account/confirm?next=%2Faccount');
      });
    });
  }

  describe('with a wrong password', () => {
    it('leaves the login throttle alone', async () => {
      await addUser(app.users, 'bob', PASSWORD);
      const { agent } = await logInStale(app, 'bob');

      await confirm(agent, { password: 'not the password' });

      assert.deepEqual(await app.services.throttle.check('bob'), { throttled: false, consecutiveFailures: 0 });
    });

    it('logs the session out at the limit', async () => {
      await addUser(app.users, 'bea', PASSWORD);
      const { agent } = await logInStale(app, 'bea');
      for (let attempt = 1; attempt < MAX_REAUTHENTICATION_FAILURES; attempt++) {
        assert.equal((await confirm(agent, { password: 'not the password' })).status, 422);
      }

      const response = await confirm(agent, { password: 'not the password' });

      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/login');
      assert.equal((await agent.get('/account')).status, 302);
    });
  });

  describe('without a CSRF token', () => {
    it('answers 403', async () => {
      const { agent } = await logInStale(app, 'alice');

      const response = await agent.post('/account/confirm').type('form').send({ password: PASSWORD });

      assert.equal(response.status, 403);
    });
  });

  describe('when not logged in', () => {
    it('redirects to the login page', async () => {
      const agent = request.agent(app.server);
      const token = await fetchCsrfToken(agent);

      const response = await agent.post('/account/confirm').type('form').send({ _csrf: token, password: PASSWORD });

      assert.equal(response.headers.location, '/login');
    });
  });
});
