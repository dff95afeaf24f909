import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { MESSAGES } from '../../src/web/messages';
import { captureLog } from '../support/log-capture';
import { startTestApp, type TestApp } from '../support/test-app';

describe('production over plain HTTP', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ isProduction: true, trustProxy: false });
  });
  after(() => app.close());

  it('rejects pages with a 403 page', async () => {
    const response = await request(app.server).get('/login');

    assert.equal(response.status, 403);
    assert.match(response.text, new RegExp(MESSAGES.httpsRequired.slice(0, 40)));
  });

  it('sets no session cookie', async () => {
    const response = await request(app.server).get('/login');

    assert.equal(response.headers['set-cookie'], undefined);
  });

  it('ignores X-Forwarded-Proto without TRUST_PROXY', async () => {
    const response = await request(app.server).get('/login').set('X-Forwarded-Proto', 'https');

    assert.equal(response.status, 403);
  });

  it('still answers health probes', async () => {
    const response = await request(app.server).get('/healthz');

    assert.equal(response.status, 200);
  });
});

describe('production behind a TLS proxy', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ isProduction: true, trustProxy: true });
  });
  after(() => app.close());

  it('serves the login page', async () => {
    const response = await request(app.server).get('/login').set('X-Forwarded-Proto', 'https');

    assert.equal(response.status, 200);
  });

  it('sets a Secure session cookie', async () => {
    const response = await request(app.server).get('/login').set('X-Forwarded-Proto', 'https');

    const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
    const sessionCookie = cookies.find((cookie) => cookie.startsWith('sid='));
    assert.ok(sessionCookie);
    assert.match(sessionCookie, /;\s*secure/i);
  });

  it('sends Strict-Transport-Security', async () => {
    const response = await request(app.server).get('/login').set('X-Forwarded-Proto', 'https');

    assert.match(String(response.headers['strict-transport-security']), /max-age=\d+/);
  });
});

describe('plain-HTTP warning', () => {
  for (const { trustProxy, advice } of [
    { trustProxy: false, advice: /set TRUST_PROXY=true/ },
    { trustProxy: true, advice: /X-Forwarded-Proto: https/ },
  ]) {
    it(`gives advice with TRUST_PROXY=${trustProxy}`, async () => {
      const log = captureLog();
      const app = await startTestApp({ isProduction: true, trustProxy, logger: log.logger });

      try {
        assert.equal((await request(app.server).get('/login')).status, 403);
      } finally {
        await app.close();
      }

      const warning = log.lines().find((line) => String(line.msg).startsWith('rejecting plain-HTTP'));
      assert.ok(warning, 'no plain-HTTP warning was logged');
      assert.match(String(warning.msg), advice);
    });
  }
});
