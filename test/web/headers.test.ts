import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { logIn } from '../support/forms';
import { addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

describe('security headers', () => {
  describe('in development', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
    });
    after(() => app.close());

    for (const directive of ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) {
      it(`sets CSP ${directive}`, async () => {
        const response = await request(app.server).get('/login');

        const policy = response.headers['content-security-policy'] ?? '';
        const directives = policy.split(';').map((entry: string) => entry.trim());
        assert.ok(directives.includes(directive), `Content-Security-Policy: ${policy}`);
      });
    }

    it('sets nosniff', async () => {
      const response = await request(app.server).get('/login');

      assert.equal(response.headers['x-content-type-options'], 'nosniff');
    });

    it('sets a referrer policy', async () => {
      const response = await request(app.server).get('/login');

      assert.ok(response.headers['referrer-policy'], 'no Referrer-Policy header');
    });

    it('omits Strict-Transport-Security', async () => {
      const response = await request(app.server).get('/login');

      assert.equal(response.headers['strict-transport-security'], undefined);
    });

    it('applies to 404 pages', async () => {
      const response = await request(app.server).get('/nope');

      assert.equal(response.status, 404);
      assert.match(response.headers['content-security-policy'] ?? '', /default-src 'none'/);
    });
  });

  // Production sessions use secure cookies, which this plain-HTTP test server cannot set, so
  // only routes that open no session are requested here.
  describe('in production', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ isProduction: true });
    });
    after(() => app.close());

    for (const path of ['/healthz', '/static/style.css']) {
      it(`sets Strict-Transport-Security on ${path}`, async () => {
        const response = await request(app.server).get(path);

        assert.equal(response.status, 200);
        assert.match(response.headers['strict-transport-security'] ?? '', /max-age=[1-9]\d*/);
      });
    }
  });
});

describe('Cache-Control on pages', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  it('is no-store on /login', async () => {
    const response = await request(app.server).get('/login');

    assert.equal(response.status, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
  });

  for (const path of ['/dashboard', '/logout']) {
    it(`is no-store on ${path}`, async () => {
      const loggedIn = request.agent(app.server);
      await logIn(loggedIn, { username: 'alice', password: PASSWORD });

      const response = await loggedIn.get(path);

      assert.equal(response.status, 200);
      assert.equal(response.headers['cache-control'], 'no-store');
    });
  }
});

describe('GET /static/style.css', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it('serves CSS with a max-age', async () => {
    const response = await request(app.server).get('/static/style.css');

    assert.equal(response.status, 200);
    assert.match(response.headers['content-type'], /^text\/css/);
    assert.match(response.headers['cache-control'] ?? '', /max-age=[1-9]\d*/);
  });
});
