import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { MESSAGES } from '../../src/web/messages';
import { csrfTokenFrom, fetchCsrfToken, flashesIn, logIn } from '../support/forms';
import { formsIn, sessionCookieHeader } from '../support/pages';
import { addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

type Agent = ReturnType<typeof request.agent>;

describe('GET /logout', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  describe('when logged in', () => {
    it('shows a POST form with a token', async () => {
      const agent = request.agent(app.server);
      await logIn(agent, { username: 'alice', password: PASSWORD });

      const response = await agent.get('/logout');

      assert.equal(response.status, 200);
      const logoutForms = formsIn(response.text).filter((form) => form.action === '/logout');
      assert.ok(logoutForms.length > 0, 'the page has no form to /logout');
      for (const form of logoutForms) {
        assert.equal(form.method, 'post');
        assert.match(form.content, /<input type="hidden" name="_csrf" value="[^"]+">/);
      }
    });

    it('keeps the session open', async () => {
      const agent = request.agent(app.server);
      await logIn(agent, { username: 'alice', password: PASSWORD });

      await agent.get('/logout');

      assert.equal((await agent.get('/dashboard')).status, 200);
    });
  });

  describe('when not logged in', () => {
    it('redirects to login', async () => {
      const response = await request(app.server).get('/logout');

      assert.equal(response.status, 302);
      assert.equal(response.headers.location, '/login');
    });
  });
});

describe('POST /logout', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  async function loggedInAgent(): Promise<Agent> {
    const agent = request.agent(app.server);
    const response = await logIn(agent, { username: 'alice', password: PASSWORD });
    assert.equal(response.status, 303);
    return agent;
  }

  describe('with the form token', () => {
    it('redirects to login with 303', async () => {
      const agent = await loggedInAgent();
      const token = await fetchCsrfToken(agent, '/logout');

      const response = await agent.post('/logout').type('form').send({ _csrf: token });

      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/login');
    });

    it('flashes the logout message once', async () => {
      const agent = await loggedInAgent();
      const token = await fetchCsrfToken(agent, '/logout');
      await agent.post('/logout').type('form').send({ _csrf: token });

      const page = await agent.get('/login');
      const reload = await agent.get('/login');

      assert.deepEqual(flashesIn(page.text), [MESSAGES.loggedOut]);
      assert.deepEqual(flashesIn(reload.text), []);
    });

    it('ends access to the dashboard', async () => {
      const agent = await loggedInAgent();
      const token = await fetchCsrfToken(agent, '/logout');
      await agent.post('/logout').type('form').send({ _csrf: token });

      const response = await agent.get('/dashboard');

      assert.equal(response.status, 302);
      assert.equal(response.headers.location, '/login?next=%2Fdashboard');
    });

    it('accepts the dashboard header form', async () => {
      const agent = await loggedInAgent();
      const dashboard = await agent.get('/dashboard');

      const response = await agent.post('/logout').type('form').send({ _csrf: csrfTokenFrom(dashboard.text) });

      assert.equal(response.status, 303);
      assert.equal((await agent.get('/dashboard')).status, 302);
    });
  });

  describe('without a valid token', () => {
    it('rejects a post with no token', async () => {
      const agent = await loggedInAgent();
      await agent.get('/logout');

      const response = await agent.post('/logout').type('form').send({});

      assert.equal(response.status, 403);
      assert.match(response.text, /Request refused/);
      assert.equal((await agent.get('/dashboard')).status, 200);
    });

    it('rejects a token from another session', async () => {
      const otherToken = await fetchCsrfToken(await loggedInAgent(), '/logout');
      const agent = await loggedInAgent();
      await agent.get('/logout');

      const response = await agent.post('/logout').type('form').send({ _csrf: otherToken });

      assert.equal(response.status, 403);
      assert.equal((await agent.get('/dashboard')).status, 200);
    });
  });

  describe('with a cookie copied before logout', () => {
    it('rejects the copied session cookie', async () => {
      const agent = request.agent(app.server);
      const login = await logIn(agent, { username: 'alice', password: PASSWORD });
      const copiedCookie = sessionCookieHeader(login);
      assert.ok(copiedCookie, 'the login response set no session cookie');
      const beforeLogout = await request(app.server).get('/dashboard').set('Cookie', copiedCookie);
      assert.equal(beforeLogout.status, 200);
      const dashboard = await agent.get('/dashboard');
      await agent.post('/logout').type('form').send({ _csrf: csrfTokenFrom(dashboard.text) });

      const replay = await request(app.server).get('/dashboard').set('Cookie', copiedCookie);

      assert.equal(replay.status, 302);
    });
  });
});
