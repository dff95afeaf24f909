import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isEmulatorAnswering } from '../src/firestore/emulator';
import { hashPassword } from '../src/auth/passwords';
import { createUserRepository } from '../src/users/user-repository';
import { csrfTokenFrom } from './support/forms';
import { createClientForHost } from './support/emulator-client';
import { findFreePort } from './support/ports';
import {
  buildEnv,
  isProcessAlive,
  runNodeScript,
  startNodeScript,
  stopProcess,
  waitForStatus,
  type Env,
  type RunningProcess,
} from './support/processes';
import { emulatorHost, newFirestore, newProjectId } from './support/test-app';

const SERVER_SCRIPT = path.resolve(__dirname, '../src/server.js');
const CLI_SCRIPT = path.resolve(__dirname, '../src/cli/users.js');
const PASSWORD = 'correct horse battery';

// Variables from the developer's shell that would change which Firestore or mode the server uses.
const INHERITED_SETTINGS = [
  'NODE_ENV',
  'HOST',
  'PORT',
  'SESSION_KEYS',
  'BCRYPT_COST',
  'LOG_LEVEL',
  'DATA_DIR',
  'FIRESTORE_EMULATOR_HOST',
  'FIRESTORE_EMULATOR_PORT',
  'GOOGLE_CLOUD_PROJECT',
];

function serverEnv(settings: Env): Env {
  return buildEnv(process.env, INHERITED_SETTINGS, { METADATA_SERVER_DETECTION: 'none', ...settings });
}

describe('server process', () => {
  const spawned: RunningProcess[] = [];
  const tempDirs: string[] = [];

  async function newTempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'server-test-'));
    tempDirs.push(dir);
    return dir;
  }

  function startServer(env: Env): RunningProcess {
    const server = startNodeScript(SERVER_SCRIPT, [], env);
    server.child.stdin?.end();
    spawned.push(server);
    return server;
  }

  after(async () => {
    await Promise.all(spawned.map((running) => stopProcess(running)));
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  describe('with an emulator host', () => {
    it('serves pages and stops on SIGTERM', { timeout: 60_000 }, async () => {
      const port = await findFreePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const server = startServer(
        serverEnv({
          FIRESTORE_EMULATOR_HOST: emulatorHost(),
          GOOGLE_CLOUD_PROJECT: newProjectId(),
          PORT: String(port),
          LOG_LEVEL: 'warn',
          DATA_DIR: await newTempDir(),
        }),
      );

      await waitForStatus(`${baseUrl}/healthz`, 200, server, 30_000);
      const login = await fetch(`${baseUrl}/login`);
      const ready = await fetch(`${baseUrl}/readyz`);
      server.child.kill('SIGTERM');
      const { exitCode } = await server.exited;

      assert.equal(login.status, 200);
      assert.equal(ready.status, 200);
      assert.equal(exitCode, 0, server.stderr());
      assert.equal(await isListening(baseUrl), false);
    });
  });

  describe('stopping during a login', () => {
    it('finishes the login, then exits', { timeout: 60_000 }, async () => {
      // A high bcrypt cost keeps the login in flight for about a second.
      const slowCost = 14;
      const projectId = newProjectId();
      const port = await findFreePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const firestore = newFirestore(projectId);
      try {
        await createUserRepository(firestore).createUser('slow', await hashPassword(PASSWORD, slowCost));
      } finally {
        await firestore.terminate();
      }
      const server = startServer(
        serverEnv({
          FIRESTORE_EMULATOR_HOST: emulatorHost(),
          GOOGLE_CLOUD_PROJECT: projectId,
          PORT: String(port),
          BCRYPT_COST: String(slowCost),
          LOG_LEVEL: 'warn',
          DATA_DIR: await newTempDir(),
        }),
      );
      await waitForStatus(`${baseUrl}/healthz`, 200, server, 30_000);
      const page = await fetch(`${baseUrl}/login`);
      const cookie = page.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
      const token = csrfTokenFrom(await page.text());

      const login = fetch(`${baseUrl}/login`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, username: 'slow', password: PASSWORD }).toString(),
        redirect: 'manual',
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      server.child.kill('SIGTERM');
      const response = await login;
      const { exitCode } = await server.exited;

      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/dashboard');
      assert.equal(exitCode, 0, server.stderr());
    });
  });

  describe('with Firestore unreachable', () => {
    it('reports not ready but stays healthy', { timeout: 60_000 }, async () => {
      // A port found free and never handed to a server: connections to it are refused.
      const deadEmulatorPort = await findFreePort();
      const port = await findFreePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const server = startServer(
        serverEnv({
          FIRESTORE_EMULATOR_HOST: `127.0.0.1:${deadEmulatorPort}`,
          GOOGLE_CLOUD_PROJECT: newProjectId(),
          PORT: String(port),
          LOG_LEVEL: 'warn',
          DATA_DIR: await newTempDir(),
        }),
      );

      await waitForStatus(`${baseUrl}/healthz`, 200, server, 30_000);
      const startedAt = Date.now();
      const ready = await fetch(`${baseUrl}/readyz`);
      const readyElapsedMs = Date.now() - startedAt;
      const health = await fetch(`${baseUrl}/healthz`);
      const stopStartedAt = Date.now();
      server.child.kill('SIGTERM');
      const { exitCode } = await server.exited;
      const stopElapsedMs = Date.now() - stopStartedAt;

      assert.equal(exitCode, 0, server.stderr());
      assert.ok(stopElapsedMs < 20_000, `stopping took ${stopElapsedMs} ms`);
      assert.equal(ready.status, 503);
      assert.ok(readyElapsedMs < 5000, `GET /readyz took ${readyElapsedMs} ms`);
      assert.equal(health.status, 200);
    });
  });

  describe('in production without SESSION_KEYS', () => {
    it('exits naming SESSION_KEYS', { timeout: 60_000 }, async () => {
      // The emulator host keeps the process away from Google Cloud if the check were missing.
      const result = await runNodeScript(SERVER_SCRIPT, [], {
        env: serverEnv({
          NODE_ENV: 'production',
          GOOGLE_CLOUD_PROJECT: newProjectId(),
          FIRESTORE_EMULATOR_HOST: emulatorHost(),
          PORT: String(await findFreePort()),
        }),
      });

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /^Configuration error: SESSION_KEYS is missing/);
    });
  });

  describe('with its port taken', () => {
    it('exits naming the port', { timeout: 60_000 }, async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as net.AddressInfo;

      try {
        const result = await runNodeScript(SERVER_SCRIPT, [], {
          env: serverEnv({ FIRESTORE_EMULATOR_HOST: emulatorHost(), GOOGLE_CLOUD_PROJECT: newProjectId(), PORT: String(port) }),
        });

        assert.equal(result.exitCode, 1);
        assert.match(result.stderr, new RegExp(`${port}.*in use|in use.*${port}`, 'i'));
      } finally {
        blocker.close();
      }
    });
  });

  describe('with an invalid PORT', () => {
    it('exits naming PORT', { timeout: 60_000 }, async () => {
      const result = await runNodeScript(SERVER_SCRIPT, [], {
        env: serverEnv({ FIRESTORE_EMULATOR_HOST: emulatorHost(), PORT: 'eighty' }),
      });

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /PORT "eighty" is invalid/);
    });
  });

  describe('with the embedded emulator', () => {
    // These tests run in order and share state: the first starts a server and the third stops it.
    let emulatorPort: number;
    let serverPort: number;
    let dataDir: string;
    let server: RunningProcess;
    let env: Env;
    const embeddedServers: RunningProcess[] = [];

    function startEmbeddedServer(): RunningProcess {
      server = startServer(env);
      embeddedServers.push(server);
      return server;
    }

    before(async () => {
      emulatorPort = await findFreePort();
      serverPort = await findFreePort();
      dataDir = await newTempDir();
      env = serverEnv({
        FIRESTORE_EMULATOR_PORT: String(emulatorPort),
        DATA_DIR: dataDir,
        PORT: String(serverPort),
        BCRYPT_COST: '4',
        // At info level the server logs the emulator's process id, which cleanup needs.
        LOG_LEVEL: 'info',
      });
    });

    // A clean stop lets each server save its data and stop its emulator. The emulator is killed
    // by its process id only if it outlived its server.
    after(async () => {
      for (const running of embeddedServers) {
        await stopProcess(running);
        killEmulatorLeftBy(running);
      }
    });

    it('starts the emulator and serves', { timeout: 60_000 }, async () => {
      startEmbeddedServer();

      await waitForStatus(`http://127.0.0.1:${serverPort}/readyz`, 200, server, 40_000);

      assert.equal(await isEmulatorAnswering(`127.0.0.1:${emulatorPort}`), true);
    });

    it('lets the CLI reuse the emulator', { timeout: 60_000 }, async () => {
      const result = await runNodeScript(CLI_SCRIPT, ['add', 'Alice'], { env, stdin: `${PASSWORD}\n` });

      assert.equal(result.exitCode, 0, result.stderr);
      const firestore = createClientForHost(`127.0.0.1:${emulatorPort}`, 'demo-login');
      try {
        const user = await createUserRepository(firestore).findByUsername('alice');
        assert.equal(user?.username, 'Alice');
      } finally {
        await firestore.terminate();
      }
    });

    it('saves data and stops on SIGTERM', { timeout: 60_000 }, async () => {
      const emulatorPid = emulatorPidFrom(server);

      server.child.kill('SIGTERM');
      const { exitCode } = await server.exited;

      assert.equal(exitCode, 0, server.stderr());
      await assert.doesNotReject(access(path.join(dataDir, 'firestore-export')));
      const exported = await readdir(path.join(dataDir, 'firestore-export'), { recursive: true });
      assert.ok(exported.some((entry) => entry.endsWith('.overall_export_metadata')), exported.join(', '));
      assert.equal(await isEmulatorAnswering(`127.0.0.1:${emulatorPort}`), false);
      assert.ok(emulatorPid, 'the server logged no emulatorPid');
      assert.equal(isProcessAlive(emulatorPid), false);
    });

    it('restores users after a restart', { timeout: 60_000 }, async () => {
      startEmbeddedServer();
      await waitForStatus(`http://127.0.0.1:${serverPort}/readyz`, 200, server, 40_000);

      const result = await runNodeScript(CLI_SCRIPT, ['list'], { env });
      await stopProcess(server);

      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /^Alice\s+active\s/m);
    });
  });
});

async function isListening(baseUrl: string): Promise<boolean> {
  try {
    await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** Reads the emulator's process id from the server's log ("emulatorPid" in JSON or pretty form). */
function emulatorPidFrom(server: RunningProcess): number | undefined {
  const match = /emulatorPid"?:\s*(\d+)/.exec(server.stdout());
  return match ? Number(match[1]) : undefined;
}

/** Kills the emulator that a stopped server started, if it is still running. */
function killEmulatorLeftBy(server: RunningProcess): void {
  const pid = emulatorPidFrom(server);
  if (pid !== undefined && isProcessAlive(pid)) {
    process.kill(pid, 'SIGKILL');
  }
}

describe('embedded emulator lifecycle', () => {
  const tempDirs: string[] = [];
  const started: ChildProcess[] = [];

  after(async () => {
    for (const child of started) {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        child.kill('SIGKILL');
      }
    }
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function embeddedEnv(): Promise<Env> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-test-'));
    tempDirs.push(dataDir);
    return serverEnv({
      FIRESTORE_EMULATOR_PORT: String(await findFreePort()),
      DATA_DIR: dataDir,
      PORT: String(await findFreePort()),
      BCRYPT_COST: '4',
      LOG_LEVEL: 'info',
    });
  }

  it('saves data on a terminal Ctrl-C', { timeout: 90_000 }, async () => {
    const env = await embeddedEnv();
    // A process group of its own stands for the terminal's foreground job, which Ctrl-C signals
    // as a whole, emulator included unless the server keeps it apart.
    const server = spawn(process.execPath, [SERVER_SCRIPT], { env, detached: true, stdio: 'ignore' });
    started.push(server);
    const exited = once(server, 'exit');
    await waitForUrl(`http://127.0.0.1:${env.PORT}/readyz`, 40_000);
    const added = await runNodeScript(CLI_SCRIPT, ['add', 'carol'], { env, stdin: `${PASSWORD}\n` });
    assert.equal(added.exitCode, 0, added.stderr);

    process.kill(-(server.pid as number), 'SIGINT');
    const [exitCode] = await exited;
    const listed = await runNodeScript(CLI_SCRIPT, ['list'], { env });

    assert.equal(exitCode, 0);
    assert.match(listed.stdout, /^carol\s+active\s/m);
  });

  it('keeps both of two concurrent CLI runs', { timeout: 90_000 }, async () => {
    const env = await embeddedEnv();

    const [first, second] = await Promise.all([
      runNodeScript(CLI_SCRIPT, ['add', 'dave'], { env, stdin: `${PASSWORD}\n` }),
      runNodeScript(CLI_SCRIPT, ['add', 'erin'], { env, stdin: `${PASSWORD}\n` }),
    ]);
    const listed = await runNodeScript(CLI_SCRIPT, ['list'], { env });

    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(second.exitCode, 0, second.stderr);
    assert.match(listed.stdout, /^dave\s+active\s/m);
    assert.match(listed.stdout, /^erin\s+active\s/m);
  });

  it('leaves no lock after a CLI run', { timeout: 60_000 }, async () => {
    const env = await embeddedEnv();

    const result = await runNodeScript(CLI_SCRIPT, ['list'], { env });

    assert.equal(result.exitCode, 0, result.stderr);
    await assert.rejects(access(path.join(env.DATA_DIR as string, 'emulator.lock')));
  });
});

async function waitForUrl(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not respond with 200 within ${timeoutMs} ms`);
}
