import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { hashToken } from '../../src/sessions/session-store';
import { submitForm } from '../support/forms';
import { logInClient, type LoggedInClient } from '../support/logged-in';
import { captureLog, type CapturedLog, type LogLine } from '../support/log-capture';
import { ageLastPasswordEntry } from '../support/session-cookies';
import { TEST_SECURITY_POLICY, addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'new staple battery';

/** Returns the one line with this event among the lines of one request, failing when there is none. */
function eventOf(log: CapturedLog, response: request.Response, event: string): LogLine {
  const requestId = response.headers['x-request-id'];
  const found = log.lines().filter((line) => line.requestId === requestId && line.event === event);
  assert.equal(found.length, 1, `expected one "${event}" line, got ${found.length}`);
  return found[0];
}

describe('audit log of account self-service', () => {
  const log = captureLog();
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ logger: log.logger });
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  function logInAs(username: string): Promise<LoggedInClient> {
    return logInClient(app, username, PASSWORD);
  }

  it('logs a sign-up', async () => {
    const response = await submitForm(request.agent(app.server), '/signup', '/signup', {
      username: 'nora',
      password: PASSWORD,
      confirmPassword: PASSWORD,
    });

    const line = eventOf(log, response, 'signup');
    assert.equal(line.userId, 'nora');
    assert.equal(line.clientIp, '127.0.0.1');
  });

  it('logs a rejected sign-up', async () => {
    const response = await submitForm(request.agent(app.server), '/signup', '/signup', {
      username: 'alice',
      password: PASSWORD,
      confirmPassword: PASSWORD,
    });

    assert.equal(eventOf(log, response, 'signup_rejected').outcome, 'username-taken');
  });

  it('logs a password change', async () => {
    await addUser(app.users, 'bob', PASSWORD);
    await logInAs('bob');
    const { agent } = await logInAs('bob');

    const response = await submitForm(agent, '/account', '/account/password', {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });

    assert.equal(eventOf(log, response, 'password_changed').userId, 'bob');
    const revoked = eventOf(log, response, 'sessions_revoked');
    assert.equal(revoked.reason, 'password_changed');
    assert.equal(revoked.count, 1);
  });

  it('logs a rejected password change', async () => {
    const { agent } = await logInAs('alice');

    const response = await submitForm(agent, '/account', '/account/password', {
      currentPassword: 'not the password',
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });

    assert.equal(eventOf(log, response, 'password_change_rejected').outcome, 'invalid-credentials');
  });

  it('logs a signed-out session', async () => {
    const other = await logInAs('alice');
    const { agent } = await logInAs('alice');

    const response = await submitForm(agent, '/account', '/account/sessions/revoke', {
      sessionId: hashToken(other.token),
    });

    assert.equal(eventOf(log, response, 'session_signed_out').userId, 'alice');
    assert.equal(eventOf(log, response, 'sessions_revoked').reason, 'signed_out_by_user');
  });

  it('logs a foreign session id', async () => {
    const { agent } = await logInAs('alice');

    const response = await submitForm(agent, '/account', '/account/sessions/revoke', { sessionId: 'f'.repeat(64) });

    assert.equal(eventOf(log, response, 'session_revoke_rejected').reason, 'not_found');
  });

  it('logs other sessions signed out', async () => {
    await logInAs('alice');
    const { agent } = await logInAs('alice');

    const response = await submitForm(agent, '/account', '/account/sessions/revoke-others', {});

    assert.equal(eventOf(log, response, 'other_sessions_signed_out').userId, 'alice');
  });

  it('logs a required confirmation', async () => {
    const { agent, token } = await logInAs('alice');
    await ageLastPasswordEntry(app.firestore, token, TEST_SECURITY_POLICY.freshLoginMs + 1000);

    const response = await submitForm(agent, '/account', '/account/sessions/revoke-others', {});

    assert.equal(eventOf(log, response, 'fresh_login_required').userId, 'alice');
  });

  it('logs a confirmed password', async () => {
    const { agent } = await logInAs('alice');

    const response = await submitForm(agent, '/account/confirm', '/account/confirm', { password: PASSWORD });

    assert.equal(eventOf(log, response, 'reauthenticated').userId, 'alice');
  });

  it('logs a rejected confirmation', async () => {
    const { agent } = await logInAs('alice');

    const response = await submitForm(agent, '/account/confirm', '/account/confirm', { password: 'wrong password' });

    assert.equal(eventOf(log, response, 'reauthentication_rejected').outcome, 'invalid-credentials');
  });

  it('never logs a password', () => {
    const text = log.rawLines().join('\n');

    for (const secret of [PASSWORD, NEW_PASSWORD, 'not the password', 'wrong password']) {
      assert.ok(!text.includes(secret), `the log contains ${secret}`);
    }
  });
});
