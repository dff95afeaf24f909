import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { MESSAGES } from '../../src/web/messages';
import { fetchCsrfToken, flashesIn, submitForm } from '../support/forms';
import { logInClient, type LoggedInClient } from '../support/logged-in';
import { ageLastPasswordEntry, sessionDocumentFor } from '../support/session-cookies';
import { TEST_SECURITY_POLICY, addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

type Agent = ReturnType<typeof request.agent>;

type LoggedIn = LoggedInClient;

function logInAs(app: TestApp, username: string): Promise<LoggedIn> {
  return logInClient(app, username, PASSWORD);
}

function signOutSession(agent: Agent, sessionId: string) {
  return submitForm(agent, '/account', '/account/sessions/revoke', { sessionId });
}

async function isLoggedIn(session: LoggedIn): Promise<boolean> {
  return (await session.agent.get('/dashboard')).status === 200;
}

/** Returns the flash messages of the page that a redirect leads to. */
async function flashesAfter(agent: Agent, response: request.Response): Promise<string[]> {
  assert.equal(response.status, 303);
  return flashesIn((await agent.get(response.headers.location)).text);
}

describe('POST /account/sessions/revoke', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    await addUser(app.users, 'bob', PASSWORD);
  });
  after(() => app.close());

  describe('with another session of the user', () => {
    let current: LoggedIn;
    let other: LoggedIn;
    let response: request.Response;
    before(async () => {
      other = await logInAs(app, 'alice');
      current = await logInAs(app, 'alice');
      response = await signOutSession(current.agent, other.sessionId);
    });

    it('redirects to the account page', () => {
      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/account');
    });

    it('ends that session', async () => {
      assert.equal(await isLoggedIn(other), false);
      assert.equal(await sessionDocumentFor(app.firestore, other.token), undefined);
    });

    it('keeps the current session', async () => {
      assert.equal(await isLoggedIn(current), true);
    });

    it('says it is done', async () => {
      const again = await logInAs(app, 'alice');
      const signOut = await signOutSession(current.agent, again.sessionId);

      assert.deepEqual(await flashesAfter(current.agent, signOut), [MESSAGES.sessionSignedOut]);
    });
  });

  describe('with a session of another user', () => {
    it('ends nothing', async () => {
      const victim = await logInAs(app, 'bob');
      const attacker = await logInAs(app, 'alice');

      const response = await signOutSession(attacker.agent, victim.sessionId);

      assert.deepEqual(await flashesAfter(attacker.agent, response), [MESSAGES.sessionNotFound]);
      assert.equal(await isLoggedIn(victim), true);
    });
  });

  const unknownIds = [
    { name: 'unknown id', sessionId: 'f'.repeat(64) },
    { name: 'raw token', sessionId: 'raw-token' },
    { name: 'path', sessionId: '../users/alice' },
    { name: 'empty id', sessionId: '' },
  ];

  for (const { name, sessionId } of unknownIds) {
    describe(`with an ${name}`, () => {
      it('says not found', async () => {
        const current = await logInAs(app, 'alice');

        const response = await signOutSession(current.agent, sessionId);

        assert.deepEqual(await flashesAfter(current.agent, response), [MESSAGES.sessionNotFound]);
        assert.equal(await isLoggedIn(current), true);
      });
    });
  }

  describe('with a raw token of another session', () => {
    it('ends nothing', async () => {
      const other = await logInAs(app, 'alice');
      const current = await logInAs(app, 'alice');

      await signOutSession(current.agent, other.token);

      assert.equal(await isLoggedIn(other), true);
    });
  });

  describe('with the current session', () => {
    it('asks to log out instead', async () => {
      const current = await logInAs(app, 'alice');

      const response = await signOutSession(current.agent, current.sessionId);

      assert.deepEqual(await flashesAfter(current.agent, response), [MESSAGES.currentSessionNotRevocable]);
      assert.equal(await isLoggedIn(current), true);
    });
  });

  describe('without a CSRF token', () => {
    it('answers 403 and ends nothing', async () => {
      const other = await logInAs(app, 'alice');
      const current = await logInAs(app, 'alice');

      const response = await current.agent
        .post('/account/sessions/revoke')
        .type('form')
        .send({ sessionId: other.sessionId });

      assert.equal(response.status, 403);
      assert.equal(await isLoggedIn(other), true);
    });
  });

  describe('when not logged in', () => {
    it('redirects to the login page', async () => {
      const victim = await logInAs(app, 'alice');
      const agent = request.agent(app.server);
      const token = await fetchCsrfToken(agent);

      const response = await agent
        .post('/account/sessions/revoke')
        .type('form')
        .send({ _csrf: token, sessionId: victim.sessionId });

      assert.equal(response.headers.location, '/login');
      assert.equal(await isLoggedIn(victim), true);
    });
  });

  describe('with a stale login', () => {
    it('asks for the password first', async () => {
      const other = await logInAs(app, 'alice');
      const current = await logInAs(app, 'alice');
      await ageLastPasswordEntry(app.firestore, current.token, TEST_SECURITY_POLICY.freshLoginMs + 1000);

      const response = await signOutSession(current.agent, other.sessionId);

      assert.equal(response.headers.location, '/account/confirm?next=%2Faccount');
      assert.equal(await isLoggedIn(other), true);
    });
  });
});

describe('POST /account/sessions/revoke-others', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    await addUser(app.users, 'bob', PASSWORD);
  });
  after(() => app.close());

  describe('with two other sessions', () => {
    let current: LoggedIn;
    let others: LoggedIn[];
    let bystander: LoggedIn;
    let flashes: string[];
    before(async () => {
      others = [await logInAs(app, 'alice'), await logInAs(app, 'alice')];
      bystander = await logInAs(app, 'bob');
      current = await logInAs(app, 'alice');
      const response = await submitForm(current.agent, '/account', '/account/sessions/revoke-others', {});
      flashes = await flashesAfter(current.agent, response);
    });

    it('ends them', async () => {
      for (const other of others) {
        assert.equal(await isLoggedIn(other), false);
      }
    });

    it('keeps the current session', async () => {
      assert.equal(await isLoggedIn(current), true);
    });

    it('keeps other users signed in', async () => {
      assert.equal(await isLoggedIn(bystander), true);
    });

    it('says how many ended', () => {
      assert.deepEqual(flashes, [MESSAGES.otherSessionsSignedOut(2)]);
    });
  });

  describe('without a CSRF token', () => {
    it('answers 403 and ends nothing', async () => {
      const other = await logInAs(app, 'alice');
      const current = await logInAs(app, 'alice');

      const response = await current.agent.post('/account/sessions/revoke-others').type('form').send({});

      assert.equal(response.status, 403);
      assert.equal(await isLoggedIn(other), true);
    });
  });

  describe('when not logged in', () => {
    it('redirects to the login page', async () => {
      const agent = request.agent(app.server);
      const token = await fetchCsrfToken(agent);

      const response = await agent.post('/account/sessions/revoke-others').type('form').send({ _csrf: token });

      assert.equal(response.headers.location, '/login');
    });
  });

  describe('with a stale login', () => {
    it('asks for the password first', async () => {
      const other = await logInAs(app, 'alice');
      const current = await logInAs(app, 'alice');
      await ageLastPasswordEntry(app.firestore, current.token, TEST_SECURITY_POLICY.freshLoginMs + 1000);

      const response = await submitForm(current.agent, '/account', '/account/sessions/revoke-others', {});

      assert.equal(response.headers.location, '/account/confirm?next=%2Faccount');
      assert.equal(await isLoggedIn(other), true);
    });
  });
});
