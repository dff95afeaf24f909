import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { fetchCsrfToken, logIn } from '../support/forms';
import { addUser, startTestApp, type TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

describe('authenticated page view cost', () => {
  let app: TestApp;
  let agent: ReturnType<typeof request.agent>;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    agent = request.agent(app.server);
    await logIn(agent, { username: 'alice', password: PASSWORD });
    await agent.get('/dashboard');
  });
  after(() => app.close());

  it('reads one document per view', async () => {
    const before = app.services.operations.snapshot();

    for (let view = 0; view < 5; view++) {
      assert.equal((await agent.get('/dashboard')).status, 200);
    }

    const after = app.services.operations.snapshot();
    assert.equal(after.reads - before.reads, 5);
  });

  it('writes nothing on repeated views', async () => {
    const before = app.services.operations.snapshot();

    for (let view = 0; view < 5; view++) {
      await agent.get('/dashboard');
    }

    const after = app.services.operations.snapshot();
    assert.equal(after.writes - before.writes, 0);
  });

  it('sets no cookie on repeated views', async () => {
    const response = await agent.get('/dashboard');

    assert.equal(response.headers['set-cookie'], undefined);
  });
});

describe('successful login cost', () => {
  let app: TestApp;
  let cost: { reads: number; writes: number };
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', PASSWORD);
    const agent = request.agent(app.server);
    const token = await fetchCsrfToken(agent);
    const before = app.services.operations.snapshot();
    await agent.post('/login').type('form').send({ _csrf: token, username: 'alice', password: PASSWORD });
    const after = app.services.operations.snapshot();
    cost = { reads: after.reads - before.reads, writes: after.writes - before.writes };
  });
  after(() => app.close());

  // The reads: the anonymous session, the throttle counter and the user. The login is recorded
  // with a precondition on the user as read, which needs no second read.
  it('reads three documents', () => {
    assert.equal(cost.reads, 3);
  });

  // The writes: deleting the anonymous session, creating the new one, and the login time.
  it('writes three documents', () => {
    assert.equal(cost.writes, 3);
  });
});
