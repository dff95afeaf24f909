import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { MESSAGES } from '../../src/web/messages';
import { logIn } from '../support/forms';
import { definitionForTerm, timeForTerm } from '../support/pages';
import { addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

async function dashboardAfterLogin(app: TestApp, username: string): Promise<string> {
  const agent = request.agent(app.server);
  await logIn(agent, { username, password: PASSWORD });
  return (await agent.get('/dashboard')).text;
}

async function failLogins(app: TestApp, username: string, count: number): Promise<void> {
  for (let attempt = 0; attempt < count; attempt++) {
    await logIn(request.agent(app.server), { username, password: 'not the password' });
  }
}

describe('GET /dashboard login history', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  describe('after failed attempts', () => {
    let previousLoginAt: Date | null | undefined;
    let dashboard: string;
    before(async () => {
      await addUser(app.users, 'alice', PASSWORD);
      await dashboardAfterLogin(app, 'alice');
      previousLoginAt = (await app.users.findByUsername('alice'))?.lastLoginAt;
      await failLogins(app, 'alice', 2);
      dashboard = await dashboardAfterLogin(app, 'alice');
    });

    it('shows the previous login time', () => {
      assert.equal(timeForTerm(dashboard, 'Previous login'), previousLoginAt?.toISOString());
    });

    it('shows the previous login address', () => {
      assert.equal(definitionForTerm(dashboard, 'Previous login address'), '127.0.0.1');
    });

    it('counts the failures since then', () => {
      assert.equal(definitionForTerm(dashboard, 'Failed login attempts since then'), '2');
    });

    it('warns about them', () => {
      assert.match(dashboard, new RegExp(`role="alert">${MESSAGES.failedLoginsWarning(2)}`));
    });

    it('shows them only once', async () => {
      const next = await dashboardAfterLogin(app, 'alice');

      assert.equal(definitionForTerm(next, 'Failed login attempts since then'), '0');
      assert.doesNotMatch(next, /class="notice notice-warning"/);
    });
  });

  describe('after failures for an unknown name', () => {
    it('counts nothing', async () => {
      await addUser(app.users, 'bob', PASSWORD);
      await dashboardAfterLogin(app, 'bob');
      await failLogins(app, 'bobby', 2);

      const dashboard = await dashboardAfterLogin(app, 'bob');

      assert.equal(definitionForTerm(dashboard, 'Failed login attempts since then'), '0');
    });
  });
});
