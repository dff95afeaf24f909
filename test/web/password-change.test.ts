import assert from 'node:assert/strict';
import { MAX_REAUTHENTICATION_FAILURES } from '../../src/web/reauthentication';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { verifyPassword } from '../../src/auth/passwords';
import { FirestoreDeadline } from '../../src/firestore/deadline';
import { MESSAGES } from '../../src/web/messages';
import { fetchCsrfToken, flashesIn, logIn, submitForm } from '../support/forms';
import { logInClient, type LoggedInClient } from '../support/logged-in';
import { itMarksTheInvalidField } from '../support/field-errors';
import { ageLastPasswordEntry, sessionDocumentFor, sessionTokenFrom } from '../support/session-cookies';
import { TEST_BCRYPT_COST, TEST_SECURITY_POLICY, addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'new staple battery';
const FRESH_LOGIN_MS = TEST_SECURITY_POLICY.freshLoginMs;

type Agent = ReturnType<typeof request.agent>;

type LoggedIn = LoggedInClient;

function logInAs(app: TestApp, username: string): Promise<LoggedIn> {
  return logInClient(app, username, PASSWORD);
}

function changePassword(agent: Agent, fields: Record<string, string>) {
  return submitForm(agent, '/account', '/account/password', fields);
}

async function passwordMatches(app: TestApp, username: string, password: string): Promise<boolean> {
  const user = await app.users.findByUsername(username);
  assert.ok(user, `${username} does not exist`);
  return (await verifyPassword(password, user.passwordHash, TEST_BCRYPT_COST)).matches;
}

describe('POST /account/password', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  describe('with valid fields', () => {
    let current: LoggedIn;
    let other: LoggedIn;
    let response: request.Response;
    before(async () => {
      await addUser(app.users, 'alice', PASSWORD);
      other = await logInAs(app, 'alice');
      current = await logInAs(app, 'alice');
      response = await changePassword(current.agent, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
    });

    it('redirects to the account page', () => {
      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/account');
    });

    it('replaces the password', async () => {
      assert.equal(await passwordMatches(app, 'alice', NEW_PASSWORD), true);
      assert.equal(await passwordMatches(app, 'alice', PASSWORD), false);
    });

    it('ends the other session', async () => {
      assert.equal((await other.agent.get('/dashboard')).status, 302);
      assert.equal(await sessionDocumentFor(app.firestore, other.token), undefined);
    });

    it('moves the session to a new token', async () => {
      const newToken = sessionTokenFrom(response);

      assert.ok(newToken);
      assert.notEqual(newToken, current.token);
      assert.equal(await sessionDocumentFor(app.firestore, current.token), undefined);
    });

    it('keeps the user logged in', async () => {
      const page = await current.agent.get('/account');

      assert.equal(page.status, 200);
      assert.deepEqual(flashesIn(page.text), [MESSAGES.passwordChanged(1)]);
    });

    it('lets the new password log in', async () => {
      const response = await logIn(request.agent(app.server), { username: 'alice', password: NEW_PASSWORD });

      assert.equal(response.headers.location, '/dashboard');
    });
  });

  describe('with an invalid field', () => {
    let loggedIn: LoggedIn;
    let other: LoggedIn;
    before(async () => {
      await addUser(app.users, 'bob', PASSWORD);
      other = await logInAs(app, 'bob');
      loggedIn = await logInAs(app, 'bob');
    });

    const cases = [
      {
        name: 'missing current password',
        fields: { currentPassword: '', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
        field: 'currentPassword',
        message: new RegExp(`^${MESSAGES.currentPasswordMissing}$`),
      },
      {
        name: 'short new password',
        fields: { currentPassword: PASSWORD, newPassword: 'short', confirmPassword: 'short' },
        field: 'newPassword',
        message: /at least 8 characters/,
      },
      {
        name: 'common new password',
        fields: { currentPassword: PASSWORD, newPassword: 'password123', confirmPassword: 'password123' },
        field: 'newPassword',
        message: /most common passwords/,
      },
      {
        name: 'username as new password',
        fields: { currentPassword: PASSWORD, newPassword: 'BOB', confirmPassword: 'BOB' },
        field: 'newPassword',
        message: /at least 8 characters|same as the username/,
      },
      {
        name: 'unchanged new password',
        fields: { currentPassword: PASSWORD, newPassword: PASSWORD, confirmPassword: PASSWORD },
        field: 'newPassword',
        message: new RegExp(`^${MESSAGES.newPasswordUnchanged}$`),
      },
      {
        name: 'different confirmation',
        fields: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: `${NEW_PASSWORD}!` },
        field: 'confirmPassword',
        message: new RegExp(`^${MESSAGES.passwordsDiffer}$`),
      },
      {
        name: 'wrong current password',
        fields: { currentPassword: 'not the password', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
        field: 'currentPassword',
        message: new RegExp(`^${MESSAGES.currentPasswordIncorrect}$`),
      },
    ];

    for (const { name, fields, field, message } of cases) {
      describe(name, () => {
        let response: request.Response;
        before(async () => {
          response = await changePassword(loggedIn.agent, fields);
        });

        it('answers 422 with the account page', () => {
          assert.equal(response.status, 422);
          assert.match(response.text, /<h2 id="password-heading">/);
        });

        itMarksTheInvalidField(() => response, field, message, ['currentPassword', 'newPassword', 'confirmPassword']);

        it('keeps the password', async () => {
          assert.equal(await passwordMatches(app, 'bob', PASSWORD), true);
        });

        it('keeps the other session', async () => {
          assert.equal((await other.agent.get('/dashboard')).status, 200);
        });
      });
    }
  });

  describe('with a wrong current password', () => {
    it('leaves the login throttle alone', async () => {
      await addUser(app.users, 'carol', PASSWORD);
      const loggedIn = await logInAs(app, 'carol');

      await changePassword(loggedIn.agent, {
        currentPassword: 'not the password',
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });

      const status = await app.services.throttle.check('carol');
      assert.deepEqual(status, { throttled: false, consecutiveFailures: 0 });
      assert.equal((await app.users.findByUsername('carol'))?.failedLoginsSinceLastLogin, 0);
    });

    it('logs the session out at the limit', async () => {
      await addUser(app.users, 'dave', PASSWORD);
      const loggedIn = await logInAs(app, 'dave');
      const wrong = { currentPassword: 'not the password', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD };
      for (let attempt = 1; attempt < MAX_REAUTHENTICATION_FAILURES; attempt++) {
        assert.equal((await changePassword(loggedIn.agent, wrong)).status, 422);
      }

      const response = await changePassword(loggedIn.agent, wrong);

      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/login');
      assert.equal((await loggedIn.agent.get('/account')).status, 302);
      assert.equal(await passwordMatches(app, 'dave', PASSWORD), true);
    });

    it('is not blocked by failed logins of others', async () => {
      await addUser(app.users, 'fern', PASSWORD);
      const loggedIn = await logInAs(app, 'fern');
      for (let attempt = 0; attempt < TEST_SECURITY_POLICY.loginThrottle.failuresBeforeDelay; attempt++) {
        await logIn(request.agent(app.server), { username: 'fern', password: 'a guess' });
      }

      const response = await changePassword(loggedIn.agent, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });

      assert.equal(response.status, 303);
      assert.equal(await passwordMatches(app, 'fern', NEW_PASSWORD), true);
    });
  });

  describe('without a CSRF token', () => {
    it('answers 403 and keeps the password', async () => {
      await addUser(app.users, 'erin', PASSWORD);
      const loggedIn = await logInAs(app, 'erin');

      const response = await loggedIn.agent
        .post('/account/password')
        .type('form')
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });

      assert.equal(response.status, 403);
      assert.equal(await passwordMatches(app, 'erin', PASSWORD), true);
    });
  });

  describe('when not logged in', () => {
    it('redirects to the login page', async () => {
      await addUser(app.users, 'fay', PASSWORD);
      const agent = request.agent(app.server);
      const token = await fetchCsrfToken(agent);

      const response = await agent
        .post('/account/password')
        .type('form')
        .send({ _csrf: token, currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });

      assert.equal(response.status, 302);
      assert.equal(response.headers.location, '/login');
      assert.equal(await passwordMatches(app, 'fay', PASSWORD), true);
    });
  });

  describe('with a stale login', () => {
    let loggedIn: LoggedIn;
    let response: request.Response;
    before(async () => {
      await addUser(app.users, 'gina', PASSWORD);
      loggedIn = await logInAs(app, 'gina');
      await ageLastPasswordEntry(app.firestore, loggedIn.token, FRESH_LOGIN_MS + 1000);
      response = await changePassword(loggedIn.agent, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
    });

    it('sends the user to confirm the password', () => {
      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/account/confirm?next=%2Faccount');
    });

    it('keeps the password', async () => {
      assert.equal(await passwordMatches(app, 'gina', PASSWORD), true);
    });

    it('says why on the confirmation page', async () => {
      const page = await loggedIn.agent.get(response.headers.location);

      assert.deepEqual(flashesIn(page.text), [MESSAGES.passwordConfirmationRequired]);
    });

    it('changes it after the confirmation', async () => {
      await submitForm(loggedIn.agent, '/account/confirm', '/account/confirm', { password: PASSWORD, next: '/account' });

      const changed = await changePassword(loggedIn.agent, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });

      assert.equal(changed.headers.location, '/account');
      assert.equal(await passwordMatches(app, 'gina', NEW_PASSWORD), true);
    });
  });
});

describe('two concurrent password changes', () => {
  let app: TestApp;
  before(async () => {
    // The emulator settles two transactions that lock one document only after about 3 s, so the
    // deadline is raised for the loser to finish inside its request.
    app = await startTestApp({ deadline: new FirestoreDeadline(30_000) });
  });
  after(() => app.close());

  it('apply exactly one new password', { timeout: 60_000 }, async () => {
    await addUser(app.users, 'hank', PASSWORD);
    const sessions = [await logInAs(app, 'hank'), await logInAs(app, 'hank')];
    const tokens = await Promise.all(sessions.map(({ agent }) => fetchCsrfToken(agent, '/account')));
    const newPasswords = ['first new passphrase', 'second new passphrase'];

    const responses = await Promise.all(
      sessions.map(({ agent }, index) =>
        agent.post('/account/password').type('form').send({
          _csrf: tokens[index],
          currentPassword: PASSWORD,
          newPassword: newPasswords[index],
          confirmPassword: newPasswords[index],
        }),
      ),
    );

    const matches = await Promise.all(newPasswords.map((password) => passwordMatches(app, 'hank', password)));
    assert.equal(matches.filter(Boolean).length, 1, `responses: ${responses.map((r) => r.status).join(', ')}`);
    const winner = matches.indexOf(true);
    assert.equal(responses[winner].headers.location, '/account');
    assert.equal((await sessions[1 - winner].agent.get('/dashboard')).status, 302);
    assert.ok(responses.every((response) => response.status < 500), 'a change failed with a server error');
  });
});
