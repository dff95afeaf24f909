import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Timestamp } from '@google-cloud/firestore';
import request from 'supertest';
import { SESSIONS_COLLECTION, hashToken } from '../../src/sessions/session-store';
import { logInClient, type LoggedInClient } from '../support/logged-in';
import { definitionForTerm, formsIn, timeForTerm } from '../support/pages';
import { addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_ON_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/17.5 Mobile/15E148 Safari/604.1';

function logInAs(app: TestApp, username: string, userAgent: string): Promise<LoggedInClient> {
  return logInClient(app, username, PASSWORD, userAgent);
}

/** Returns the markup of each entry of the session list. */
function sessionEntriesIn(html: string): string[] {
  return [...html.matchAll(/<li class="session[^"]*">([\s\S]*?)<\/li>/g)].map((match) => match[0]);
}

describe('GET /account', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'Alice', PASSWORD);
    await addUser(app.users, 'bob', PASSWORD);
  });
  after(() => app.close());

  describe('when not logged in', () => {
    it('redirects to the login page', async () => {
      const response = await request(app.server).get('/account');

      assert.equal(response.status, 302);
      assert.equal(response.headers.location, '/login?next=%2Faccount');
    });
  });

  describe('when logged in', () => {
    let current: LoggedInClient;
    let other: LoggedInClient;
    let page: request.Response;
    before(async () => {
      other = await logInAs(app, 'alice', SAFARI_ON_IPHONE);
      await logInAs(app, 'bob', FIREFOX_ON_LINUX);
      current = await logInAs(app, 'alice', FIREFOX_ON_LINUX);
      page = await current.agent.get('/account');
    });

    it('shows the page', () => {
      assert.equal(page.status, 200);
      assert.equal(page.headers['cache-control'], 'no-store');
    });

    it('shows the username', () => {
      assert.equal(definitionForTerm(page.text, 'Username'), 'Alice');
    });

    it('shows the creation time', async () => {
      const user = await app.users.findByUsername('alice');

      assert.equal(timeForTerm(page.text, 'Account created'), user?.createdAt.toISOString());
    });

    it('shows the last login time', async () => {
      const user = await app.users.findByUsername('alice');

      assert.equal(timeForTerm(page.text, 'Last login'), user?.lastLoginAt?.toISOString());
    });

    it('lists both sessions of the user', () => {
      assert.equal(sessionEntriesIn(page.text).length, 2);
    });

    it('describes each device', () => {
      const entries = sessionEntriesIn(page.text);

      assert.match(entries[0], /<span class="session-device">Firefox on Linux<\/span>/);
      assert.match(entries[1], /<span class="session-device">Safari on iOS<\/span>/);
    });

    it('shows each address', () => {
      for (const entry of sessionEntriesIn(page.text)) {
        assert.match(entry, /Address 127\.0\.0\.1/);
      }
    });

    it('shows the last activity', () => {
      for (const entry of sessionEntriesIn(page.text)) {
        assert.match(entry, /last active\s*<time datetime="\d{4}-/);
      }
    });

    it('marks the current session', () => {
      const entries = sessionEntriesIn(page.text);

      assert.match(entries[0], /This session/);
      assert.doesNotMatch(entries[1], /This session/);
    });

    it('offers sign-out for the other only', () => {
      const forms = formsIn(page.text).filter((form) => form.action === '/account/sessions/revoke');

      assert.equal(forms.length, 1);
      assert.match(forms[0].content, new RegExp(`name="sessionId" value="${hashToken(other.token)}"`));
    });

    it('gives every form a CSRF token', () => {
      for (const form of formsIn(page.text).filter((candidate) => candidate.method === 'post')) {
        assert.match(form.content, /name="_csrf" value="[^"]+"/, form.action);
      }
    });

    it('never shows a session token', () => {
      assert.ok(!page.text.includes(current.token));
      assert.ok(!page.text.includes(other.token));
    });

    it('offers the password form fields', () => {
      assert.match(page.text, /<input id="currentPassword" name="currentPassword" type="password" autocomplete="current-password"/);
      assert.match(page.text, /<input id="newPassword" name="newPassword" type="password" autocomplete="new-password"/);
      assert.match(page.text, /<input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password"/);
    });
  });

  describe('with an expired session', () => {
    it('leaves it out', async () => {
      await addUser(app.users, 'carol', PASSWORD);
      const expired = await logInAs(app, 'carol', SAFARI_ON_IPHONE);
      const current = await logInAs(app, 'carol', FIREFOX_ON_LINUX);
      await app.firestore
        .collection(SESSIONS_COLLECTION)
        .doc(hashToken(expired.token))
        .update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });

      const page = await current.agent.get('/account');

      const entries = sessionEntriesIn(page.text);
      assert.equal(entries.length, 1);
      assert.match(entries[0], /This session/);
    });
  });

  describe('after a logout elsewhere', () => {
    it('leaves that session out', async () => {
      await addUser(app.users, 'dora', PASSWORD);
      const leaving = await logInAs(app, 'dora', SAFARI_ON_IPHONE);
      const current = await logInAs(app, 'dora', FIREFOX_ON_LINUX);
      const dashboard = await leaving.agent.get('/dashboard');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard.text)?.[1] ?? '';
      await leaving.agent.post('/logout').type('form').send({ _csrf: csrf });

      const page = await current.agent.get('/account');

      assert.equal(sessionEntriesIn(page.text).length, 1);
    });
  });
});
