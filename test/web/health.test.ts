import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';

// The unreachable-Firestore case runs the server as a process: see test/server.test.ts.

describe('GET /healthz', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it('reports ok as JSON', async () => {
    const response = await request(app.server).get('/healthz');

    assert.equal(response.status, 200);
    assert.match(response.headers['content-type'], /^application\/json/);
    assert.deepEqual(response.body, { status: 'ok' });
  });

  it('is never cached', async () => {
    const response = await request(app.server).get('/healthz');

    assert.equal(response.headers['cache-control'], 'no-store');
  });
});

describe('GET /readyz', () => {
  describe('when Firestore answers', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
    });
    after(() => app.close());

    it('reports ready', async () => {
      const response = await request(app.server).get('/readyz');

      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { status: 'ready' });
    });
  });
});
