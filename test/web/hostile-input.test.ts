import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { LOGIN_THROTTLES_COLLECTION } from '../../src/auth/login-throttle';
import { SESSIONS_COLLECTION } from '../../src/sessions/session-store';
import { MESSAGES } from '../../src/web/messages';
import { csrfTokenFrom, fetchCsrfToken, logIn } from '../support/forms';
import { addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

// FORM_BODY_LIMIT in src/app.ts is 16 KB.
const BODY_LIMIT_BYTES = 16 * 1024;

type Agent = ReturnType<typeof request.agent>;

/** An agent with a session and the CSRF token of its login form. */
async function agentWithToken(app: TestApp, path = '/login'): Promise<{ agent: Agent; token: string }> {
  const agent = request.agent(app.server);
  return { agent, token: await fetchCsrfToken(agent, path) };
}

async function loggedInAgent(app: TestApp): Promise<{ agent: Agent; token: string }> {
  const agent = request.agent(app.server);
  const response = await logIn(agent, { username: 'alice', password: PASSWORD });
  assert.equal(response.status, 303, 'login failed');
  const dashboard = await agent.get('/dashboard');
  return { agent, token: csrfTokenFrom(dashboard.text) };
}

describe('non-form request bodies', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  for (const path of ['/login', '/logout']) {
    describe(`JSON to POST ${path}`, () => {
      let response: request.Response;
      before(async () => {
        const { agent, token } = await agentWithToken(app);
        response = await agent
          .post(path)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ _csrf: token, username: 'alice', password: PASSWORD }));
      });

      it('answers 415', () => {
        assert.equal(response.status, 415);
      });

      it('renders an HTML page', () => {
        assert.match(response.headers['content-type'] ?? '', /^text\/html/);
      });

      it('explains the expected format', () => {
        assert.ok(response.text.includes(MESSAGES.malformedForm), 'the page lacks the malformed-form message');
      });
    });
  }

  describe('multipart to POST /login', () => {
    it('answers 415', async () => {
      const { agent, token } = await agentWithToken(app);

      const response = await agent
        .post('/login')
        .field('_csrf', token)
        .field('username', 'alice')
        .field('password', PASSWORD);

      assert.equal(response.status, 415);
    });

    it('opens no session', async () => {
      const { agent, token } = await agentWithToken(app);

      await agent.post('/login').field('_csrf', token).field('username', 'alice').field('password', PASSWORD);

      assert.equal((await agent.get('/dashboard')).status, 302);
    });
  });

  describe('text/plain to POST /login', () => {
    it('answers 415', async () => {
      const { agent, token } = await agentWithToken(app);

      const response = await agent
        .post('/login')
        .set('Content-Type', 'text/plain')
        .send(`_csrf=${token}&username=alice&password=${PASSWORD}`);

      assert.equal(response.status, 415);
    });
  });

  describe('oversized form to POST /login', () => {
    it('answers 413', async () => {
      const { agent, token } = await agentWithToken(app);

      const response = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: token, username: 'alice', password: 'x'.repeat(BODY_LIMIT_BYTES + 1024) });

      assert.equal(response.status, 413);
    });

    it('accepts a form just below the limit', async () => {
      const { agent, token } = await agentWithToken(app);

      const response = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: token, username: 'alice', password: 'x'.repeat(BODY_LIMIT_BYTES - 1024) });

      assert.equal(response.status, 303);
    });
  });
});

describe('malformed login forms', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  const forms: { name: string; body: string }[] = [
    { name: 'repeated password', body: `username=alice&password=wrong&password=${PASSWORD}` },
    { name: 'repeated username', body: `username=bob&username=alice&password=${PASSWORD}` },
    { name: 'nested password', body: `username=alice&password[x]=${PASSWORD}` },
    { name: 'password array', body: `username=alice&password[]=${PASSWORD}` },
    { name: 'nested username', body: `username[$ne]=x&password=${PASSWORD}` },
    { name: 'a __proto__ field', body: `username=alice&password=${PASSWORD}&__proto__[status]=active` },
    { name: 'a constructor field', body: `username=alice&password=${PASSWORD}&constructor[prototype][x]=1` },
  ];

  for (const { name, body } of forms) {
    describe(`with ${name}`, () => {
      let agent: Agent;
      let response: request.Response;
      let userBefore: unknown;
      before(async () => {
        userBefore = await app.users.findByUsername('alice');
        const started = await agentWithToken(app);
        agent = started.agent;
        response = await agent
          .post('/login')
          .type('form')
          .send(`_csrf=${encodeURIComponent(started.token)}&${body}`);
      });

      it('answers 400', () => {
        assert.equal(response.status, 400);
      });

      it('shows the incorrect-credentials message', () => {
        assert.match(response.text, new RegExp(`role="alert">${MESSAGES.loginIncorrect}<`));
      });

      it('shows the login form', () => {
        assert.match(response.text, /<input id="password" name="password" type="password"/);
      });

      it('opens no session', async () => {
        assert.equal((await agent.get('/dashboard')).status, 302);
      });

      it('leaves the user unchanged', async () => {
        assert.deepEqual(await app.users.findByUsername('alice'), userBefore);
      });

      it('counts no login failure', async () => {
        const throttles = await app.firestore.collection(LOGIN_THROTTLES_COLLECTION).get();

        assert.equal(throttles.size, 0);
      });

      it('stores no logged-in session', async () => {
        const sessions = await app.firestore.collection(SESSIONS_COLLECTION).where('userId', '!=', null).get();

        assert.equal(sessions.size, 0);
      });
    });
  }
});

describe('login form with a repeated _csrf', () => {
  let app: TestApp;
  let agent: Agent;
  let response: request.Response;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    const started = await agentWithToken(app);
    agent = started.agent;
    response = await agent
      .post('/login')
      .type('form')
      .send(`_csrf=${encodeURIComponent(started.token)}&username=alice&password=${PASSWORD}&_csrf=other`);
  });
  after(() => app.close());

  it('answers with a client error', () => {
    assert.ok(response.status >= 400 && response.status < 500, `answered ${response.status}`);
  });

  it('opens no session', async () => {
    assert.equal((await agent.get('/dashboard')).status, 302);
  });
});

describe('bad percent-encoding', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  describe('in the login body', () => {
    const bodies: { name: string; body: string }[] = [
      { name: 'a cut UTF-8 sequence', body: 'username=alice&password=%E0%A4%A' },
      { name: 'non-hex digits', body: 'username=alice&password=%zz' },
      { name: 'a lone percent sign', body: 'username=%&password=%' },
      { name: 'an encoded NUL', body: 'username=alice%00&password=%00' },
      { name: 'a lone surrogate', body: 'username=alice&password=%ED%A0%80' },
      { name: 'bad encoding in the name', body: 'user%zzname=alice&password=x' },
    ];

    for (const { name, body } of bodies) {
      it(`rejects ${name} without a fault`, async () => {
        const { agent, token } = await agentWithToken(app);

        const response = await agent
          .post('/login')
          .type('form')
          .send(`_csrf=${encodeURIComponent(token)}&${body}`);

        assert.ok(response.status < 500, `POST /login answered ${response.status}`);
        assert.equal((await agent.get('/dashboard')).status, 302);
      });
    }
  });

  describe('in the URL', () => {
    const paths = [
      '/%E0%A4%A',
      '/login%zz',
      '/%zz',
      '/static/%E0%A4%A',
      '/static/%zz.css',
      '/static/..%2F..%2Fpackage.json',
      '/dashboard%00',
      '/login?next=%zz',
      '/login?next=%E0%A4%A',
      '/login?next=%2F%2F%zz',
      '/login?next[a]=b',
      '/login?next=1&next=2',
      '/dashboard?x=%zz',
    ];

    for (const path of paths) {
      it(`answers GET ${path} below 500`, async () => {
        const response = await request(app.server).get(path);

        assert.ok(response.status < 500, `answered ${response.status}`);
      });
    }

    it('serves no file outside public', async () => {
      const response = await request(app.server).get('/static/..%2F..%2Fpackage.json');

      assert.doesNotMatch(response.text, /"dependencies"/);
    });

    it('answers a bad POST path below 500', async () => {
      const { agent, token } = await agentWithToken(app);

      const response = await agent.post('/login%zz').type('form').send({ _csrf: token });

      assert.ok(response.status < 500, `answered ${response.status}`);
    });
  });
});

describe('unexpected HTTP methods', () => {
  let app: TestApp;
  let anonymous: { agent: Agent; token: string };
  let loggedIn: { agent: Agent; token: string };
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    anonymous = await agentWithToken(app);
    loggedIn = await loggedInAgent(app);
  });
  after(() => app.close());

  const methods = ['head', 'options', 'put', 'delete', 'patch'] as const;
  const paths = ['/login', '/logout', '/dashboard'];

  for (const who of ['anonymous', 'logged-in'] as const) {
    for (const method of methods) {
      for (const path of paths) {
        it(`answers ${method.toUpperCase()} ${path} ${who} below 500`, async () => {
          const client = who === 'anonymous' ? anonymous : loggedIn;

          const response = await client.agent[method](path);

          assert.ok(response.status < 500, `answered ${response.status}`);
        });
      }

      for (const path of paths) {
        if (method === 'head' || method === 'options') {
          continue;
        }
        it(`answers ${method.toUpperCase()} ${path} with a form ${who} below 500`, async () => {
          const client = who === 'anonymous' ? anonymous : loggedIn;

          const response = await client.agent[method](path)
            .type('form')
            .send({ _csrf: client.token, username: 'alice', password: PASSWORD });

          assert.ok(response.status < 500, `answered ${response.status}`);
        });
      }
    }
  }

  for (const path of paths) {
    it(`answers DELETE ${path} with an empty body below 500`, async () => {
      const response = await loggedIn.agent.delete(path).set('Content-Length', '0');

      assert.ok(response.status < 500, `answered ${response.status}`);
    });
  }

  it('keeps the session after other methods', async () => {
    assert.equal((await loggedIn.agent.get('/dashboard')).status, 200);
  });
});

describe('login CSRF', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    await addUser(app.users, 'mallory', PASSWORD);
  });
  after(() => app.close());

  describe('form from another site without a token', () => {
    let victim: Agent;
    let response: request.Response;
    before(async () => {
      victim = request.agent(app.server);
      await victim.get('/login');

      response = await victim
        .post('/login')
        .set('Origin', 'https://attacker.example')
        .set('Referer', 'https://attacker.example/login-csrf.html')
        .type('form')
        .send({ username: 'mallory', password: PASSWORD });
    });

    it('answers 403', () => {
      assert.equal(response.status, 403);
    });

    it('does not log the victim in', async () => {
      assert.equal((await victim.get('/dashboard')).status, 302);
    });
  });

  describe("form with the attacker's own token", () => {
    let victim: Agent;
    let response: request.Response;
    before(async () => {
      const attackerToken = await fetchCsrfToken(request.agent(app.server));
      victim = request.agent(app.server);
      await victim.get('/login');

      response = await victim
        .post('/login')
        .set('Origin', 'https://attacker.example')
        .type('form')
        .send({ _csrf: attackerToken, username: 'mallory', password: PASSWORD });
    });

    it('answers 403', () => {
      assert.equal(response.status, 403);
    });

    it('does not log the victim in', async () => {
      assert.equal((await victim.get('/dashboard')).status, 302);
    });
  });

  describe('form to a browser without a session', () => {
    it('answers 403', async () => {
      const response = await request(app.server)
        .post('/login')
        .set('Origin', 'https://attacker.example')
        .type('form')
        .send({ username: 'mallory', password: PASSWORD });

      assert.equal(response.status, 403);
    });
  });
});
