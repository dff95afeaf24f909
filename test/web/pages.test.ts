import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { MESSAGES } from '../../src/web/messages';
import { csrfTokenFrom, fetchCsrfToken, flashesIn, logIn } from '../support/forms';
import { definitionForTerm, flashElementsIn, formsIn, hiddenFieldValue, timeForTerm } from '../support/pages';
import { addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

describe('GET /', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  it('redirects anonymous visitors to login', async () => {
    const response = await request(app.server).get('/');

    assert.equal(response.status, 302);
    assert.equal(response.headers.location, '/login');
  });

  it('redirects logged-in users to dashboard', async () => {
    const agent = request.agent(app.server);
    await logIn(agent, { username: 'alice', password: PASSWORD });

    const response = await agent.get('/');

    assert.equal(response.status, 302);
    assert.equal(response.headers.location, '/dashboard');
  });
});

describe('GET /dashboard', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'Alice', PASSWORD);
  });
  after(() => app.close());

  describe('when not logged in', () => {
    it('redirects to login with next', async () => {
      const response = await request(app.server).get('/dashboard');

      assert.equal(response.status, 302);
      assert.equal(response.headers.location, '/login?next=%2Fdashboard');
    });

    it('flashes the login request once', async () => {
      const agent = request.agent(app.server);
      const redirect = await agent.get('/dashboard');

      const page = await agent.get(redirect.headers.location);
      const reload = await agent.get(redirect.headers.location);

      assert.deepEqual(flashesIn(page.text), [MESSAGES.loginRequired]);
      assert.deepEqual(flashesIn(reload.text), []);
    });

    it('keeps the query string in next', async () => {
      const response = await request(app.server).get('/dashboard?tab=x');

      assert.equal(response.status, 302);
      assert.equal(response.headers.location, '/login?next=%2Fdashboard%3Ftab%3Dx');
    });

    it('returns to the query after login', async () => {
      const agent = request.agent(app.server);
      const redirect = await agent.get('/dashboard?tab=x');
      const loginPage = await agent.get(redirect.headers.location);
      const next = hiddenFieldValue(loginPage.text, 'next');
      assert.equal(next, '/dashboard?tab=x');

      const response = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfTokenFrom(loginPage.text), username: 'alice', password: PASSWORD, next });

      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/dashboard?tab=x');
      const landing = await agent.get(response.headers.location);
      assert.equal(landing.status, 200);
    });
  });

  describe('when logged in', () => {
    it('shows the username', async () => {
      const agent = request.agent(app.server);
      await logIn(agent, { username: 'alice', password: PASSWORD });

      const response = await agent.get('/dashboard');

      assert.equal(response.status, 200);
      assert.equal(definitionForTerm(response.text, 'Username'), 'Alice');
    });

    it('shows last and previous login times', async () => {
      const firstAgent = request.agent(app.server);
      await logIn(firstAgent, { username: 'alice', password: PASSWORD });
      const firstLogin = (await app.users.findByUsername('alice'))?.lastLoginAt;
      assert.ok(firstLogin);

      const secondAgent = request.agent(app.server);
      await logIn(secondAgent, { username: 'alice', password: PASSWORD });
      const secondLogin = (await app.users.findByUsername('alice'))?.lastLoginAt;
      assert.ok(secondLogin);
      const dashboard = await secondAgent.get('/dashboard');

      assert.notEqual(secondLogin.getTime(), firstLogin.getTime());
      assert.equal(timeForTerm(dashboard.text, 'Signed in'), secondLogin.toISOString());
      assert.equal(timeForTerm(dashboard.text, 'Previous login'), firstLogin.toISOString());
    });
  });

  describe('after the first login', () => {
    it('says there was no earlier login', async () => {
      await addUser(app.users, 'newcomer', PASSWORD);
      const agent = request.agent(app.server);
      await logIn(agent, { username: 'newcomer', password: PASSWORD });

      const dashboard = await agent.get('/dashboard');

      assert.equal(timeForTerm(dashboard.text, 'Previous login'), undefined);
      assert.match(definitionForTerm(dashboard.text, 'Previous login') ?? '', /first login/);
    });
  });

  describe('when the account changes mid-session', () => {
    it('logs out a disabled user', async () => {
      await addUser(app.users, 'dora', PASSWORD);
      const agent = request.agent(app.server);
      await logIn(agent, { username: 'dora', password: PASSWORD });
      assert.equal((await agent.get('/dashboard')).status, 200);

      await app.accounts.disable('dora');
      const response = await agent.get('/dashboard');

      assert.equal(response.status, 302);
      assert.equal(response.headers.location, '/login?next=%2Fdashboard');
    });

    it('keeps a re-enabled user logged out', async () => {
      await addUser(app.users, 'erin', PASSWORD);
      const agent = request.agent(app.server);
      await logIn(agent, { username: 'erin', password: PASSWORD });
      await app.accounts.disable('erin');
      await agent.get('/dashboard');

      await app.accounts.enable('erin');
      const response = await agent.get('/dashboard');

      assert.equal(response.status, 302);
    });

    it('logs out a deleted user', async () => {
      await addUser(app.users, 'frank', PASSWORD);
      const agent = request.agent(app.server);
      await logIn(agent, { username: 'frank', password: PASSWORD });
      assert.equal((await agent.get('/dashboard')).status, 200);

      await app.accounts.delete('frank');
      const response = await agent.get('/dashboard');

      assert.equal(response.status, 302);
      assert.equal(response.headers.location, '/login?next=%2Fdashboard');
    });
  });
});

describe('flash messages', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  // Each case leaves one flash in the session and returns the page where it should appear.
  const cases: FlashCase[] = [
    {
      category: 'error',
      role: 'alert',
      text: MESSAGES.loginIncorrect,
      leaveFlash: async (agent) => {
        await logIn(agent, { username: 'alice', password: 'not the password' });
        return '/login';
      },
    },
    {
      category: 'info',
      role: 'status',
      text: MESSAGES.loginRequired,
      leaveFlash: async (agent) => {
        await agent.get('/dashboard');
        return '/login';
      },
    },
    {
      category: 'success',
      role: 'status',
      text: MESSAGES.loggedOut,
      leaveFlash: async (agent) => {
        await logIn(agent, { username: 'alice', password: PASSWORD });
        const token = await fetchCsrfToken(agent, '/logout');
        await agent.post('/logout').type('form').send({ _csrf: token });
        return '/login';
      },
    },
  ];

  for (const { category, role, text, leaveFlash } of cases) {
    describe(`of category ${category}`, () => {
      it(`renders with role ${role}`, async () => {
        const agent = request.agent(app.server);
        const page = await agent.get(await leaveFlash(agent));

        const flashes = flashElementsIn(page.text);

        assert.equal(flashes.length, 1);
        assert.equal(flashes[0].text, text);
        assert.ok(flashes[0].classes.includes(`flash-${category}`), `classes: ${flashes[0].classes.join(' ')}`);
        assert.equal(flashes[0].role, role);
      });

      it('disappears on the next page', async () => {
        const agent = request.agent(app.server);
        const path = await leaveFlash(agent);
        await agent.get(path);

        const reload = await agent.get(path);

        assert.deepEqual(flashElementsIn(reload.text), []);
      });
    });
  }

  // NOTE: these two fail because error pages render after koa-session has saved the session, so
  // the flash that such a page shows stays stored and appears again on the next page.
  it('shows once across a 404 page', async () => {
    const agent = request.agent(app.server);
    await agent.get('/dashboard');

    const notFound = await agent.get('/nope');
    const loginPage = await agent.get('/login');

    const displayedFlashes = [...flashesIn(notFound.text), ...flashesIn(loginPage.text)];
    assert.deepEqual(displayedFlashes, [MESSAGES.loginRequired]);
  });

  it('shows once across a 403 page', async () => {
    const agent = request.agent(app.server);
    await agent.get('/dashboard');

    const rejected = await agent.post('/login').type('form').send({ username: 'alice', password: PASSWORD });
    const loginPage = await agent.get('/login');

    assert.equal(rejected.status, 403);
    const displayedFlashes = [...flashesIn(rejected.text), ...flashesIn(loginPage.text)];
    assert.deepEqual(displayedFlashes, [MESSAGES.loginRequired]);
  });
});

describe('forms on pages', () => {
  let app: TestApp;
  let agent: Agent;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    agent = request.agent(app.server);
    await logIn(agent, { username: 'alice', password: PASSWORD });
  });
  after(() => app.close());

  it('carry a token on /login', async () => {
    const page = await request(app.server).get('/login');

    assertEveryFormHasToken(page.text);
  });

  for (const path of ['/dashboard', '/logout']) {
    it(`carry a token on ${path}`, async () => {
      const page = await agent.get(path);

      assert.equal(page.status, 200);
      assertEveryFormHasToken(page.text);
    });
  }
});

type Agent = ReturnType<typeof request.agent>;

interface FlashCase {
  category: string;
  role: string;
  text: string;
  leaveFlash: (agent: Agent) => Promise<string>;
}

function assertEveryFormHasToken(html: string): void {
  const forms = formsIn(html);
  assert.ok(forms.length > 0, 'the page has no form');

  for (const form of forms) {
    assert.match(form.content, /<input type="hidden" name="_csrf" value="[^"]+">/, `form to ${form.action}`);
  }
}
