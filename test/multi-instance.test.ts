import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SECURITY_POLICY } from '../src/config/security-policy';
import { createServices, type Services } from '../src/services';
import { MESSAGES } from '../src/web/messages';
import { csrfTokenFrom, flashesIn } from './support/forms';
import { findFreePort } from './support/ports';
import { buildEnv, startNodeScript, stopProcess, waitForStatus, type RunningProcess } from './support/processes';
import { addUser, emulatorHost, newFirestore, newProjectId } from './support/test-app';

const SERVER_SCRIPT = path.resolve(__dirname, '../src/server.js');
const PASSWORD = 'correct horse battery';

/** A browser's cookie jar for 127.0.0.1, shared by both instances as a browser would. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, value] = pair.split('=');
      if (value === '') {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, value);
      }
    }
  }
}

describe('two server instances on one Firestore', () => {
  const projectId = newProjectId();
  const servers: RunningProcess[] = [];
  const baseUrls: string[] = [];
  let services: Services;

  before(async () => {
    const sessionKeys = randomBytes(32).toString('hex');
    for (let index = 0; index < 2; index++) {
      const port = await findFreePort();
      const env = buildEnv(process.env, ['NODE_ENV', 'DATA_DIR', 'FIRESTORE_EMULATOR_PORT'], {
        FIRESTORE_EMULATOR_HOST: emulatorHost(),
        GOOGLE_CLOUD_PROJECT: projectId,
        SESSION_KEYS: sessionKeys,
        PORT: String(port),
        BCRYPT_COST: '4',
        LOG_LEVEL: 'warn',
        METADATA_SERVER_DETECTION: 'none',
      });
      const server = startNodeScript(SERVER_SCRIPT, [], env);
      servers.push(server);
      baseUrls.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(servers.map((server, index) => waitForStatus(`${baseUrls[index]}/healthz`, 200, server, 30_000)));

    services = createServices(newFirestore(projectId), DEFAULT_SECURITY_POLICY);
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      await addUser(services.users, name, PASSWORD);
    }
  });

  after(async () => {
    await Promise.all(servers.map((server) => stopProcess(server)));
    await services.firestore.terminate();
  });

  async function get(jar: CookieJar, url: string): Promise<Response> {
    const response = await fetch(url, { headers: { Cookie: jar.header() }, redirect: 'manual' });
    jar.store(response);
    return response;
  }

  async function postForm(jar: CookieJar, url: string, fields: Record<string, string>): Promise<Response> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    jar.store(response);
    return response;
  }

  async function logIn(jar: CookieJar, baseUrl: string, username: string, password = PASSWORD): Promise<Response> {
    const page = await (await get(jar, `${baseUrl}/login`)).text();
    return postForm(jar, `${baseUrl}/login`, { _csrf: csrfTokenFrom(page), username, password });
  }

  it('accepts a session from the other instance', { timeout: 30_000 }, async () => {
    const jar = new CookieJar();
    await logIn(jar, baseUrls[0], 'alice');

    const dashboard = await get(jar, `${baseUrls[1]}/dashboard`);

    assert.equal(dashboard.status, 200);
  });

  it('ends the session on both at logout', { timeout: 30_000 }, async () => {
    const jar = new CookieJar();
    await logIn(jar, baseUrls[0], 'bob');
    const copied = jar.header();
    const logoutPage = await (await get(jar, `${baseUrls[1]}/logout`)).text();

    await postForm(jar, `${baseUrls[1]}/logout`, { _csrf: csrfTokenFrom(logoutPage) });
    const replay = await fetch(`${baseUrls[0]}/dashboard`, { headers: { Cookie: copied }, redirect: 'manual' });

    assert.equal(replay.status, 302);
  });

  it('ends sessions on both when disabled', { timeout: 30_000 }, async () => {
    const first = new CookieJar();
    const second = new CookieJar();
    await logIn(first, baseUrls[0], 'carol');
    await logIn(second, baseUrls[1], 'carol');

    await services.accounts.disable('carol');

    assert.equal((await get(first, `${baseUrls[1]}/dashboard`)).status, 302);
    assert.equal((await get(second, `${baseUrls[0]}/dashboard`)).status, 302);
  });

  it('throttles attempts made across both', { timeout: 30_000 }, async () => {
    const jar = new CookieJar();
    const threshold = DEFAULT_SECURITY_POLICY.loginThrottle.failuresBeforeDelay;
    for (let attempt = 0; attempt < threshold; attempt++) {
      await logIn(jar, baseUrls[attempt % 2], 'dave', 'wrong password');
    }

    await logIn(jar, baseUrls[0], 'dave');
    const page = await (await get(jar, `${baseUrls[0]}/login`)).text();

    assert.deepEqual(flashesIn(page), [MESSAGES.loginThrottled(1)]);
  });
});
