import assert from 'node:assert/strict';
import request from 'supertest';
import { hashToken } from '../../src/sessions/session-store';
import { logIn } from './forms';
import { sessionTokenFrom } from './session-cookies';
import type { TestApp } from './test-app';

/** A cookie-keeping client logged in through the form, with its session's token and id. */
export interface LoggedInClient {
  agent: ReturnType<typeof request.agent>;
  token: string;
  /** The session's document id, as the account page shows and posts it. */
  sessionId: string;
}

/** Logs in through the login form, optionally as a browser with this User-Agent. */
export async function logInClient(
  app: TestApp,
  username: string,
  password: string,
  userAgent?: string,
): Promise<LoggedInClient> {
  const agent = request.agent(app.server);
  if (userAgent !== undefined) {
    agent.set('User-Agent', userAgent);
  }

  const token = sessionTokenFrom(await logIn(agent, { username, password }));
  assert.ok(token, `the login of ${username} set no session cookie`);
  return { agent, token, sessionId: hashToken(token) };
}
