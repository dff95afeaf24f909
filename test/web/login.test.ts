import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { MESSAGES } from '../../src/web/messages';
import { fetchCsrfToken, flashesIn, logIn } from '../support/forms';
import { addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

function sessionCookie(response: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  return cookies.find((cookie) => cookie.startsWith('sid='))?.split(';')[0];
}

describe('GET /login', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it('renders the form fields and a CSRF token', async () => {
    const response = await request(app.server).get('/login');

    assert.equal(response.status, 200);
    assert.match(response.text, /<input id="username" name="username" type="text"/);
    assert.match(response.text, /<input id="password" name="password" type="password"/);
    assert.match(response.text, /<input type="checkbox" name="remember"/);
    assert.match(response.text, /<input type="hidden" name="_csrf" value="[^"]+">/);
  });

  it('carries a safe next in a hidden field', async () => {
    const response = await request(app.server).get('/login?next=%2Freports%3Fyear%3D2026');

    assert.match(response.text, /<input type="hidden" name="next" value="\/reports\?year=2026">/);
  });

  it('drops an unsafe next', async () => {
    const response = await request(app.server).get('/login?next=%2F%2Fevil.example');

    assert.doesNotMatch(response.text, /name="next"/);
  });

  it('is never cached', async () => {
    const response = await request(app.server).get('/login');

    assert.equal(response.headers['cache-control'], 'no-store');
  });
});

describe('POST /login', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'Alice', PASSWORD);
    await addUser(app.users, 'dora', PASSWORD, 'disabled');
  });
  after(() => app.close());

  describe('with the right password', () => {
    it('redirects to the dashboard with a new session', async () => {
      const agent = request.agent(app.server);
      const anonymous = await agent.get('/login');
      const token = await fetchCsrfToken(agent);

      const response = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: token, username: 'alice', password: PASSWORD });

      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/dashboard');
      assert.ok(sessionCookie(response));
      assert.notEqual(sessionCookie(response), sessionCookie(anonymous));
    });

    it('records the login time', async () => {
      const before = Date.now();

      await logIn(request.agent(app.server), { username: 'ALICE', password: PASSWORD });

      const user = await app.users.findByUsername('alice');
      assert.ok(user?.lastLoginAt);
      assert.ok(user.lastLoginAt.getTime() >= before - 1000);
    });

    it('shows the dashboard with the username', async () => {
      const agent = request.agent(app.server);
      await logIn(agent, { username: 'alice', password: PASSWORD });

      const dashboard = await agent.get('/dashboard');

      assert.equal(dashboard.status, 200);
      assert.match(dashboard.text, /<h1>Welcome, Alice<\/h1>/);
      assert.match(dashboard.text, /<dt>Signed in<\/dt>\s*<dd><time datetime="\d{4}-/);
    });

    it('redirects to a safe next', async () => {
      const response = await logIn(request.agent(app.server), {
        username: 'alice',
        password: PASSWORD,
        next: '/dashboard?tab=security',
      });

      assert.equal(response.headers.location, '/dashboard?tab=security');
    });

    it('ignores an unsafe next', async () => {
      const response = await logIn(request.agent(app.server), {
        username: 'alice',
        password: PASSWORD,
        next: 'https://evil.example/phish',
      });

      assert.equal(response.headers.location, '/dashboard');
    });

    it('gives a browser-session cookie without remember me', async () => {
      const response = await logIn(request.agent(app.server), { username: 'alice', password: PASSWORD });

      const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
      const cookie = cookies.find((value) => value.startsWith('sid='));
      assert.ok(cookie);
      assert.doesNotMatch(cookie, /expires=/i);
    });

    it('gives a lasting cookie with remember me', async () => {
      const response = await logIn(request.agent(app.server), {
        username: 'alice',
        password: PASSWORD,
        remember: 'on',
      });

      const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
      const cookie = cookies.find((value) => value.startsWith('sid='));
      assert.ok(cookie);
      const expires = /expires=([^;]+)/i.exec(cookie);
      assert.ok(expires);
      const daysAhead = (Date.parse(expires[1]) - Date.now()) / 86_400_000;
      assert.ok(daysAhead > 29 && daysAhead <= 30, `cookie expires in ${daysAhead} days`);
    });
  });

  describe('with rejected credentials', () => {
    const cases: { name: string; fields: Record<string, string | string[]> }[] = [
      { name: 'wrong password', fields: { username: 'alice', password: 'not the password' } },
      { name: 'unknown user', fields: { username: 'nobody', password: PASSWORD } },
      { name: 'invalid username', fields: { username: 'a/b', password: PASSWORD } },
      { name: 'missing password', fields: { username: 'alice' } },
      { name: 'missing username', fields: { password: PASSWORD } },
      { name: 'empty fields', fields: { username: '', password: '' } },
      { name: 'password past bcrypt limit', fields: { username: 'alice', password: PASSWORD + 'x'.repeat(80) } },
    ];

    for (const { name, fields } of cases) {
      it(`shows the same message for ${name}`, async () => {
        const agent = request.agent(app.server);
        const response = await logIn(agent, fields as Record<string, string>);

        assert.equal(response.status, 303);
        assert.equal(response.headers.location, '/login');
        const page = await agent.get('/login');
        assert.deepEqual(flashesIn(page.text), [MESSAGES.loginIncorrect]);
        const dashboard = await agent.get('/dashboard');
        assert.equal(dashboard.status, 302);
      });
    }

    const malformedForms: { name: string; body: string }[] = [
      { name: 'password as array', body: `username=alice&password[]=${PASSWORD}&password[]=${PASSWORD}` },
      { name: 'password as object', body: `username=alice&password[x]=${PASSWORD}` },
      { name: 'username as object', body: `username[x]=alice&password=${PASSWORD}` },
      { name: 'repeated username', body: `username=alice&username=bob&password=${PASSWORD}` },
      { name: 'a __proto__ field', body: `username=alice&password=${PASSWORD}&__proto__[admin]=1` },
    ];

    for (const { name, body } of malformedForms) {
      it(`answers 400 for ${name}`, async () => {
        const agent = request.agent(app.server);
        const token = await fetchCsrfToken(agent);

        const response = await agent
          .post('/login')
          .type('form')
          .send(`_csrf=${encodeURIComponent(token)}&${body}`);

        assert.equal(response.status, 400);
        assert.match(response.text, new RegExp(`role="alert">${MESSAGES.loginIncorrect}<`));
        assert.equal((await agent.get('/dashboard')).status, 302);
      });
    }

    it('keeps the username in the form but not the password', async () => {
      const agent = request.agent(app.server);
      await logIn(agent, { username: 'alice', password: 'not the password' });

      const page = await agent.get('/login');

      assert.match(page.text, /name="username" type="text" value="alice"/);
      assert.doesNotMatch(page.text, /not the password/);
    });

    it('escapes the username shown again', async () => {
      const agent = request.agent(app.server);
      await logIn(agent, { username: '<script>x</script>', password: 'whatever1' });

      const page = await agent.get('/login');

      assert.doesNotMatch(page.text, /<script>x/);
      assert.match(page.text, /&lt;script&gt;x&lt;\/script&gt;/);
    });

    it('keeps a safe next after a failure', async () => {
      const response = await logIn(request.agent(app.server), {
        username: 'alice',
        password: 'wrong password',
        next: '/dashboard',
      });

      assert.equal(response.headers.location, '/login?next=%2Fdashboard');
    });

    it('ignores credentials in the query string', async () => {
      const agent = request.agent(app.server);
      const token = await fetchCsrfToken(agent);

      const response = await agent
        .post(`/login?username=alice&password=${encodeURIComponent(PASSWORD)}`)
        .type('form')
        .send({ _csrf: token });

      assert.equal(response.headers.location, '/login');
      assert.equal((await agent.get('/dashboard')).status, 302);
    });
  });

  describe('for a disabled account', () => {
    it('says the account is not active and opens no session', async () => {
      const agent = request.agent(app.server);

      const response = await logIn(agent, { username: 'dora', password: PASSWORD });

      assert.equal(response.headers.location, '/login');
      const page = await agent.get('/login');
      assert.deepEqual(flashesIn(page.text), [MESSAGES.accountInactive]);
      assert.equal((await agent.get('/dashboard')).status, 302);
    });

    it('says only "incorrect" when the password is wrong too', async () => {
      const agent = request.agent(app.server);

      await logIn(agent, { username: 'dora', password: 'wrong password' });

      const page = await agent.get('/login');
      assert.deepEqual(flashesIn(page.text), [MESSAGES.loginIncorrect]);
    });
  });

  describe('without a valid CSRF token', () => {
    it('rejects a post with no token', async () => {
      const response = await request(app.server)
        .post('/login')
        .type('form')
        .send({ username: 'alice', password: PASSWORD });

      assert.equal(response.status, 403);
      assert.match(response.text, new RegExp(MESSAGES.csrfRejected.slice(0, 30)));
    });

    it('rejects a token from another session', async () => {
      const otherToken = await fetchCsrfToken(request.agent(app.server));
      const agent = request.agent(app.server);
      await agent.get('/login');

      const response = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: otherToken, username: 'alice', password: PASSWORD });

      assert.equal(response.status, 403);
      assert.equal((await agent.get('/dashboard')).status, 302);
    });
  });
});
