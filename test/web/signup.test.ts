import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { verifyPassword } from '../../src/auth/passwords';
import { MESSAGES } from '../../src/web/messages';
import { csrfTokenFrom, fetchCsrfToken, flashesIn, submitForm } from '../support/forms';
import { itMarksTheInvalidField } from '../support/field-errors';
import { fieldErrorFor, inputTagFor, valueOf } from '../support/pages';
import { sessionTokenFrom } from '../support/session-cookies';
import { TEST_BCRYPT_COST, TEST_SECURITY_POLICY, addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

type Agent = ReturnType<typeof request.agent>;

/** Posts the sign-up form with a fresh CSRF token; the confirmation repeats the password. */
function signUp(agent: Agent, fields: Record<string, string>) {
  return submitForm(agent, '/signup', '/signup', { confirmPassword: fields.password ?? '', ...fields });
}

describe('GET /signup', () => {
  let app: TestApp;
  let page: request.Response;
  before(async () => {
    app = await startTestApp();
    page = await request(app.server).get('/signup');
  });
  after(() => app.close());

  it('renders the form', () => {
    assert.equal(page.status, 200);
    assert.match(page.text, /<form method="post" action="\/signup"/);
    assert.match(page.text, /<input type="hidden" name="_csrf" value="[^"]+">/);
  });

  const fields = [
    { id: 'username', type: 'text', autocomplete: 'username' },
    { id: 'password', type: 'password', autocomplete: 'new-password' },
    { id: 'confirmPassword', type: 'password', autocomplete: 'new-password' },
  ];

  for (const field of fields) {
    it(`labels the ${field.id} field`, () => {
      assert.match(page.text, new RegExp(`<label for="${field.id}">`));
    });

    it(`gives ${field.id} type and autocomplete`, () => {
      const tag = inputTagFor(page.text, field.id) ?? '';

      assert.match(tag, new RegExp(`type="${field.type}"`));
      assert.match(tag, new RegExp(`autocomplete="${field.autocomplete}"`));
    });
  }

  it('marks no field invalid', () => {
    assert.doesNotMatch(page.text, /aria-invalid/);
  });

  it('is never cached', () => {
    assert.equal(page.headers['cache-control'], 'no-store');
  });

  it('is linked from the login page', async () => {
    const login = await request(app.server).get('/login');

    assert.match(login.text, /<a href="\/signup">/);
  });

  it('sends a logged-in user to the dashboard', async () => {
    const agent = request.agent(app.server);
    await signUp(agent, { username: 'lena', password: PASSWORD });

    const response = await agent.get('/signup');

    assert.equal(response.status, 302);
    assert.equal(response.headers.location, '/dashboard');
  });
});

describe('POST /signup', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  describe('with valid fields', () => {
    let agent: Agent;
    let anonymousToken: string | undefined;
    let signupPageCsrf: string;
    let response: request.Response;
    before(async () => {
      agent = request.agent(app.server);
      const page = await agent.get('/signup');
      anonymousToken = sessionTokenFrom(page);
      signupPageCsrf = csrfTokenFrom(page.text);
      response = await agent
        .post('/signup')
        .type('form')
        .send({ _csrf: signupPageCsrf, username: 'Nora', password: PASSWORD, confirmPassword: PASSWORD });
    });

    it('redirects to the dashboard', () => {
      assert.equal(response.status, 303);
      assert.equal(response.headers.location, '/dashboard');
    });

    it('creates an active user', async () => {
      const user = await app.users.findByUsername('nora');

      assert.equal(user?.username, 'Nora');
      assert.equal(user?.status, 'active');
    });

    it('stores a verifiable password hash', async () => {
      const user = await app.users.findByUsername('nora');
      assert.ok(user);

      assert.equal((await verifyPassword(PASSWORD, user.passwordHash, TEST_BCRYPT_COST)).matches, true);
    });

    it('records the login', async () => {
      const user = await app.users.findByUsername('nora');

      assert.ok(user?.lastLoginAt instanceof Date);
      assert.equal(user.lastLoginIp, '127.0.0.1');
    });

    it('starts a session under a new token', () => {
      const token = sessionTokenFrom(response);

      assert.ok(token);
      assert.notEqual(token, anonymousToken);
    });

    it('shows the dashboard with a welcome', async () => {
      const dashboard = await agent.get('/dashboard');

      assert.equal(dashboard.status, 200);
      assert.deepEqual(flashesIn(dashboard.text), [MESSAGES.welcome('Nora')]);
    });

    it('rotates the CSRF secret', async () => {
      const logout = await agent.post('/logout').type('form').send({ _csrf: signupPageCsrf });

      assert.equal(logout.status, 403);
    });
  });

  describe('with an invalid field', () => {
    const cases: { name: string; fields: Record<string, string>; field: string; message: RegExp }[] = [
      { name: 'invalid username', fields: { username: 'a/b', password: PASSWORD }, field: 'username', message: /^Invalid username: use only/ },
      { name: 'empty username', fields: { username: '', password: PASSWORD }, field: 'username', message: /^Invalid username: it is empty/ },
      { name: 'short password', fields: { username: 'olga', password: 'short' }, field: 'password', message: /at least 8 characters/ },
      { name: 'common password', fields: { username: 'olga', password: 'password123' }, field: 'password', message: /most common passwords/ },
      { name: 'password as username', fields: { username: 'olga-the-great', password: 'Olga-The-Great' }, field: 'password', message: /same as the username/ },
      { name: 'missing password', fields: { username: 'olga' }, field: 'password', message: /at least 8 characters/ },
      {
        name: 'different confirmation',
        fields: { username: 'olga', password: PASSWORD, confirmPassword: `${PASSWORD}!` },
        field: 'confirmPassword',
        message: new RegExp(`^${MESSAGES.passwordsDiffer}$`),
      },
      {
        name: 'missing confirmation',
        fields: { username: 'olga', password: PASSWORD, confirmPassword: '' },
        field: 'confirmPassword',
        message: new RegExp(`^${MESSAGES.passwordsDiffer}$`),
      },
    ];

    for (const { name, fields, field, message } of cases) {
      describe(name, () => {
        let response: request.Response;
        before(async () => {
          response = await signUp(request.agent(app.server), fields);
        });

        it('answers 422 with the form', () => {
          assert.equal(response.status, 422);
          assert.match(response.text, /<form method="post" action="\/signup"/);
        });

        itMarksTheInvalidField(() => response, field, message, ['password', 'confirmPassword']);

        it('marks no other field invalid', () => {
          const invalid = [...response.text.matchAll(/<input id="(\w+)"[^>]*aria-invalid/g)].map((match) => match[1]);

          assert.deepEqual(invalid, [field]);
        });

        it('keeps the username filled in', () => {
          assert.equal(valueOf(inputTagFor(response.text, 'username') ?? ''), fields.username || undefined);
        });

        it('creates no user', async () => {
          assert.equal(await app.users.findByUsername('olga'), null);
        });

        it('opens no session', async () => {
          const agent = request.agent(app.server);
          await signUp(agent, fields);

          assert.equal((await agent.get('/dashboard')).status, 302);
        });
      });
    }

    it('shows every invalid field at once', async () => {
      const response = await signUp(request.agent(app.server), {
        username: 'a/b',
        password: 'short',
        confirmPassword: 'other',
      });

      assert.ok(fieldErrorFor(response.text, 'username'));
      assert.ok(fieldErrorFor(response.text, 'password'));
      assert.ok(fieldErrorFor(response.text, 'confirmPassword'));
    });

    it('escapes the username shown again', async () => {
      const response = await signUp(request.agent(app.server), { username: '<b>x</b>"', password: PASSWORD });

      assert.doesNotMatch(response.text, /<b>x<\/b>/);
      assert.match(response.text, /value="&lt;b&gt;x&lt;\/b&gt;&quot;"/);
    });
  });

  describe('with a taken username', () => {
    let response: request.Response;
    before(async () => {
      response = await signUp(request.agent(app.server), { username: 'ALICE', password: 'another good passphrase' });
    });

    it('answers 422', () => {
      assert.equal(response.status, 422);
    });

    it('says the name is taken', () => {
      assert.equal(fieldErrorFor(response.text, 'username'), MESSAGES.usernameTaken);
    });

    it('keeps the username filled in', () => {
      assert.equal(valueOf(inputTagFor(response.text, 'username') ?? ''), 'ALICE');
    });

    it('keeps the first password', async () => {
      const user = await app.users.findByUsername('alice');
      assert.ok(user);

      assert.equal((await verifyPassword(PASSWORD, user.passwordHash, TEST_BCRYPT_COST)).matches, true);
    });
  });

  describe('two concurrent sign-ups of one name', () => {
    let responses: request.Response[];
    before(async () => {
      const agents = [request.agent(app.server), request.agent(app.server)];
      const tokens = await Promise.all(agents.map((agent) => fetchCsrfToken(agent, '/signup')));
      const passwords = ['first good passphrase', 'second good passphrase'];

      responses = await Promise.all(
        agents.map((agent, index) =>
          agent.post('/signup').type('form').send({
            _csrf: tokens[index],
            username: index === 0 ? 'petra' : 'Petra',
            password: passwords[index],
            confirmPassword: passwords[index],
          }),
        ),
      );
    });

    it('creates the account once', () => {
      assert.deepEqual(responses.map((response) => response.status).sort(), [303, 422]);
    });

    it('tells the other it is taken', () => {
      const rejected = responses.find((response) => response.status === 422);

      assert.equal(fieldErrorFor(rejected?.text ?? '', 'username'), MESSAGES.usernameTaken);
    });

    it('stores the winner password', async () => {
      const winner = responses.findIndex((response) => response.status === 303);
      const user = await app.users.findByUsername('petra');
      assert.ok(user);
      const password = winner === 0 ? 'first good passphrase' : 'second good passphrase';

      assert.equal((await verifyPassword(password, user.passwordHash, TEST_BCRYPT_COST)).matches, true);
    });
  });

  describe('with a malformed form', () => {
    it('answers 400 and creates nothing', async () => {
      const agent = request.agent(app.server);
      const token = await fetchCsrfToken(agent, '/signup');

      const response = await agent
        .post('/signup')
        .type('form')
        .send(`_csrf=${encodeURIComponent(token)}&username=quinn&username=quincy&password=${encodeURIComponent(PASSWORD)}`);

      assert.equal(response.status, 400);
      assert.match(response.text, /role="alert">The form was not sent in the expected format/);
      assert.equal(await app.users.findByUsername('quinn'), null);
    });
  });

  describe('without a CSRF token', () => {
    it('answers 403 and creates nothing', async () => {
      const response = await request(app.server)
        .post('/signup')
        .type('form')
        .send({ username: 'rita', password: PASSWORD, confirmPassword: PASSWORD });

      assert.equal(response.status, 403);
      assert.equal(await app.users.findByUsername('rita'), null);
    });
  });

  describe('when already logged in', () => {
    it('creates no second account', async () => {
      const agent = request.agent(app.server);
      await signUp(agent, { username: 'sara', password: PASSWORD });
      const token = csrfTokenFrom((await agent.get('/dashboard')).text);

      const response = await agent
        .post('/signup')
        .type('form')
        .send({ _csrf: token, username: 'sara2', password: PASSWORD, confirmPassword: PASSWORD });

      assert.equal(response.headers.location, '/dashboard');
      assert.equal(await app.users.findByUsername('sara2'), null);
    });
  });
});

describe('POST /signup rate limit', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ security: { ...TEST_SECURITY_POLICY, signupAttemptsPerAddressPerMinute: 2 } });
  });
  after(() => app.close());

  it('answers 429 past the limit', async () => {
    await signUp(request.agent(app.server), { username: 'a/b', password: PASSWORD });
    await signUp(request.agent(app.server), { username: 'a/b', password: PASSWORD });

    const response = await signUp(request.agent(app.server), { username: 'tina', password: PASSWORD });

    assert.equal(response.status, 429);
    assert.match(response.text, new RegExp(MESSAGES.tooManySignups));
    assert.ok(response.headers['retry-after']);
    assert.equal(await app.users.findByUsername('tina'), null);
  });
});

describe('sign-up when disabled', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ signupEnabled: false });
  });
  after(() => app.close());

  it('answers 404 to GET /signup', async () => {
    const response = await request(app.server).get('/signup');

    assert.equal(response.status, 404);
  });

  it('answers 404 to POST /signup', async () => {
    const agent = request.agent(app.server);
    const token = await fetchCsrfToken(agent);

    const response = await agent
      .post('/signup')
      .type('form')
      .send({ _csrf: token, username: 'uma', password: PASSWORD, confirmPassword: PASSWORD });

    assert.equal(response.status, 404);
    assert.equal(await app.users.findByUsername('uma'), null);
  });

  it('has no link on the login page', async () => {
    const login = await request(app.server).get('/login');

    assert.doesNotMatch(login.text, /\/signup/);
  });
});
