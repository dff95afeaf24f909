import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Timestamp, type Firestore } from '@google-cloud/firestore';
import request from 'supertest';
import { verifyPassword } from '../../src/auth/passwords';

// The cost the CLI runs with in these tests (BCRYPT_COST below).
const CLI_BCRYPT_COST = 4;
import { createUserRepository, type UserRepository } from '../../src/users/user-repository';
import { buildEnv, runNodeScript, type ProcessResult } from '../support/processes';
import { emulatorHost, newFirestore, newProjectId, startTestApp } from '../support/test-app';
import { logIn } from '../support/forms';
import { sessionTokenFrom } from '../support/session-cookies';
import { SESSIONS_COLLECTION, hashToken } from '../../src/sessions/session-store';

const CLI_SCRIPT = path.resolve(__dirname, '../../src/cli/users.js');
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'new staple battery';

// Each test starts Node processes that load the Firestore client, which takes a second or two.
const PROCESS_TIMEOUT = { timeout: 60_000 };

/** A project of its own for one test, with a CLI runner and a repository on the same project. */
interface CliProject {
  projectId: string;
  users: UserRepository;
  run(args: string[], stdin?: string, extraEnv?: Record<string, string>): Promise<ProcessResult>;
}

const clients: Firestore[] = [];

function newCliProject(): CliProject {
  const projectId = newProjectId();
  const firestore = newFirestore(projectId);
  clients.push(firestore);

  return {
    projectId,
    users: createUserRepository(firestore),
    run: (args, stdin = '', extraEnv = {}) => runNodeScript(CLI_SCRIPT, args, { env: cliEnv(projectId, extraEnv), stdin }),
  };
}

/** Returns the environment of a CLI run against the test emulator's project `projectId`. */
function cliEnv(projectId: string, extraEnv: Record<string, string> = {}) {
  return buildEnv(process.env, ['NODE_ENV', 'SESSION_KEYS', 'LOG_LEVEL'], {
    FIRESTORE_EMULATOR_HOST: emulatorHost(),
    GOOGLE_CLOUD_PROJECT: projectId,
    BCRYPT_COST: String(CLI_BCRYPT_COST),
    METADATA_SERVER_DETECTION: 'none',
    ...extraEnv,
  });
}

function linesOf(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

after(async () => {
  await Promise.all(clients.map((client) => client.terminate()));
});

describe('users CLI', () => {
  describe('add', () => {
    it('creates an active user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['add', 'Alice'], `${PASSWORD}\n`);

      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.stdout, 'Created user "Alice".\n');
      const user = await cli.users.findByUsername('alice');
      assert.ok(user);
      assert.equal(user.username, 'Alice');
      assert.equal(user.status, 'active');
    });

    it('stores a verifiable password hash', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      await cli.run(['add', 'alice'], `${PASSWORD}\n`);

      const user = await cli.users.findByUsername('alice');
      assert.ok(user);
      assert.equal((await verifyPassword(PASSWORD, user.passwordHash, CLI_BCRYPT_COST)).matches, true);
      assert.equal((await verifyPassword('wrong password', user.passwordHash, CLI_BCRYPT_COST)).matches, false);
    });

    it('hashes with BCRYPT_COST', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      await cli.run(['add', 'alice'], `${PASSWORD}\n`);

      const user = await cli.users.findByUsername('alice');
      assert.match(user?.passwordHash ?? '', /^bcrypt-sha256\$\$2b\$04\$/);
    });

    it('reads only the first line', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      await cli.run(['add', 'alice'], `${PASSWORD}\nsecond line\n`);

      const user = await cli.users.findByUsername('alice');
      assert.ok(user);
      assert.equal((await verifyPassword(PASSWORD, user.passwordHash, CLI_BCRYPT_COST)).matches, true);
    });

    it('strips a CRLF line ending', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      await cli.run(['add', 'alice'], `${PASSWORD}\r\n`);

      const user = await cli.users.findByUsername('alice');
      assert.ok(user);
      assert.equal((await verifyPassword(PASSWORD, user.passwordHash, CLI_BCRYPT_COST)).matches, true);
    });

    it('rejects a taken username', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);

      const result = await cli.run(['add', 'ALICE'], `${NEW_PASSWORD}\n`);

      assert.equal(result.exitCode, 1);
      assert.equal(linesOf(result.stderr).length, 1, result.stderr);
      assert.match(result.stderr, /already taken/);
      assert.equal(result.stdout, '');
    });

    it('keeps the first password when taken', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);

      await cli.run(['add', 'alice'], `${NEW_PASSWORD}\n`);

      const user = await cli.users.findByUsername('alice');
      assert.ok(user);
      assert.equal((await verifyPassword(PASSWORD, user.passwordHash, CLI_BCRYPT_COST)).matches, true);
    });

    it('rejects a short password', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['add', 'alice'], 'short\n');

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /at least 8 characters/);
      assert.equal(await cli.users.findByUsername('alice'), null);
    });

    it('rejects an empty input', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['add', 'alice'], '');

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /at least 8 characters/);
    });

    it('keeps every byte past 72', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      const longPassword = 'é'.repeat(37) + 'tail';

      const result = await cli.run(['add', 'alice'], `${longPassword}\n`);

      assert.equal(result.exitCode, 0, result.stderr);
      const user = await cli.users.findByUsername('alice');
      assert.ok(user);
      assert.equal((await verifyPassword(longPassword, user.passwordHash, CLI_BCRYPT_COST)).matches, true);
      const truncated = 'é'.repeat(37) + 'TAIL';
      assert.equal((await verifyPassword(truncated, user.passwordHash, CLI_BCRYPT_COST)).matches, false);
    });

    it('rejects a common password', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['add', 'alice'], 'password123\n');

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /most common passwords/);
      assert.equal(await cli.users.findByUsername('alice'), null);
    });

    it('rejects an invalid name', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['add', 'a/b'], `${PASSWORD}\n`);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /^Invalid username: /);
      assert.equal(await cli.users.hasAnyUser(), false);
    });

    it('rejects an invalid name offline', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      // Port 1 is closed: the name must be rejected before any connection is tried.
      const result = await cli.run(['add', '..'], `${PASSWORD}\n`, { FIRESTORE_EMULATOR_HOST: '127.0.0.1:1' });

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /^Invalid username: /);
    });

    it('lets one of two concurrent adds win', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const results = await Promise.all([
        cli.run(['add', 'erin'], `${PASSWORD}\n`),
        cli.run(['add', 'Erin'], `${NEW_PASSWORD}\n`),
      ]);

      const exitCodes = results.map((result) => result.exitCode).sort();
      assert.deepEqual(exitCodes, [0, 1]);
      const loser = results.find((result) => result.exitCode === 1);
      assert.match(loser?.stderr ?? '', /already taken/);
    });
  });

  describe('passwd', () => {
    it('replaces the password', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);

      const result = await cli.run(['passwd', 'Alice'], `${NEW_PASSWORD}\n`);

      assert.equal(result.exitCode, 0, result.stderr);
      const user = await cli.users.findByUsername('alice');
      assert.ok(user);
      assert.equal((await verifyPassword(NEW_PASSWORD, user.passwordHash, CLI_BCRYPT_COST)).matches, true);
      assert.equal((await verifyPassword(PASSWORD, user.passwordHash, CLI_BCRYPT_COST)).matches, false);
    });

    it('rejects a short password', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);

      const result = await cli.run(['passwd', 'alice'], 'short\n');

      assert.equal(result.exitCode, 1);
      const user = await cli.users.findByUsername('alice');
      assert.ok(user);
      assert.equal((await verifyPassword(PASSWORD, user.passwordHash, CLI_BCRYPT_COST)).matches, true);
    });

    it('rejects a missing user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['passwd', 'nobody'], `${PASSWORD}\n`);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /No user named "nobody"/);
      assert.equal(await cli.users.findByUsername('nobody'), null);
    });
  });

  describe('disable and enable', () => {
    it('disable blocks the user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);

      const result = await cli.run(['disable', 'alice']);

      assert.equal(result.exitCode, 0, result.stderr);
      const user = await cli.users.findByUsername('alice');
      assert.equal(user?.status, 'disabled');
    });

    it('enable allows the user again', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);
      await cli.run(['disable', 'alice']);

      const result = await cli.run(['enable', 'ALICE']);

      assert.equal(result.exitCode, 0, result.stderr);
      const user = await cli.users.findByUsername('alice');
      assert.equal(user?.status, 'active');
    });

    it('disable rejects a missing user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['disable', 'nobody']);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /No user named "nobody"/);
    });

    it('enable rejects a missing user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['enable', 'nobody']);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /No user named "nobody"/);
    });
  });

  describe('delete', () => {
    it('removes the user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);

      const result = await cli.run(['delete', 'alice']);

      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(await cli.users.findByUsername('alice'), null);
    });

    it('rejects a missing user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['delete', 'nobody']);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /No user named "nobody"/);
    });
  });

  describe('list', () => {
    it('prints every user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'Bob'], `${PASSWORD}\n`);
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);
      await cli.run(['disable', 'bob']);

      const result = await cli.run(['list']);

      assert.equal(result.exitCode, 0, result.stderr);
      const lines = linesOf(result.stdout);
      assert.equal(lines.length, 3, result.stdout);
      assert.match(lines[0], /^USERNAME\s+STATUS\s+CREATED\s+LAST LOGIN$/);
      assert.match(lines[1], /^alice\s+active\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+never$/);
      assert.match(lines[2], /^Bob\s+disabled\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+never$/);
    });

    it('says when there are none', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['list']);

      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /^No users yet\./);
    });

    it('rejects an argument', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['list', 'alice']);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /takes no arguments/);
      assert.match(result.stderr, /Run "npm run users -- --help" for usage\./);
    });
  });

  describe('sessions and revoke', () => {
    const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    const CHROME_ON_WINDOWS =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

    /** Logs alice in through a real app on the CLI's project, once for each User-Agent. */
    async function logInWith(cli: CliProject, userAgents: string[]): Promise<string[]> {
      const app = await startTestApp({ firestore: newFirestore(cli.projectId) });
      try {
        const tokens: string[] = [];
        for (const userAgent of userAgents) {
          const response = await logIn(request.agent(app.server).set('User-Agent', userAgent), {
            username: 'alice',
            password: PASSWORD,
          });
          tokens.push(sessionTokenFrom(response) ?? '');
        }
        return tokens;
      } finally {
        await app.close();
      }
    }

    it('lists the active sessions', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);
      await logInWith(cli, [FIREFOX_ON_LINUX, CHROME_ON_WINDOWS]);

      const result = await cli.run(['sessions', 'ALICE']);

      assert.equal(result.exitCode, 0, result.stderr);
      const lines = linesOf(result.stdout);
      assert.equal(lines.length, 3, result.stdout);
      assert.match(lines[0], /^DEVICE\s+ADDRESS\s+CREATED\s+LAST ACTIVITY\s+EXPIRES$/);
      const time = '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z';
      const devices = lines.slice(1).map((line) => line.split(/\s{2,}/)[0]).sort();
      assert.deepEqual(devices, ['Chrome on Windows', 'Firefox on Linux']);
      for (const line of lines.slice(1)) {
        assert.match(line, new RegExp(`\\s127\\.0\\.0\\.1\\s+${time}\\s+${time}\\s+${time}$`));
      }
    });

    it('leaves out expired sessions', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);
      const [expired] = await logInWith(cli, [FIREFOX_ON_LINUX, CHROME_ON_WINDOWS]);
      const firestore = newFirestore(cli.projectId);
      clients.push(firestore);
      await firestore
        .collection(SESSIONS_COLLECTION)
        .doc(hashToken(expired))
        .update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });

      const result = await cli.run(['sessions', 'alice']);

      const lines = linesOf(result.stdout);
      assert.equal(lines.length, 2, result.stdout);
      assert.match(lines[1], /^Chrome on Windows\s/);
    });

    it('says when there are none', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);

      const result = await cli.run(['sessions', 'alice']);

      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.stdout, 'No active sessions for "alice".\n');
    });

    it('rejects a missing user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['sessions', 'nobody']);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /No user named "nobody"/);
    });

    it('revoke ends every session', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();
      await cli.run(['add', 'alice'], `${PASSWORD}\n`);
      await logInWith(cli, [FIREFOX_ON_LINUX, CHROME_ON_WINDOWS]);

      const revoked = await cli.run(['revoke', 'alice']);
      const listed = await cli.run(['sessions', 'alice']);

      assert.equal(revoked.exitCode, 0, revoked.stderr);
      assert.equal(revoked.stdout, 'Ended 2 sessions of "alice".\n');
      assert.equal(listed.stdout, 'No active sessions for "alice".\n');
    });
  });

  describe('in a terminal', () => {
    /**
     * Runs the CLI in a pseudo-terminal (util-linux `script`), typing each answer once its
     * prompt has appeared, as a person would.
     */
    function runInTerminal(cli: CliProject, args: string[], answers: Record<string, string>) {
      const command = [process.execPath, CLI_SCRIPT, ...args].map((part) => `'${part}'`).join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: cliEnv(cli.projectId) });
      const pending = new Map(Object.entries(answers));
      let output = '';

      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        for (const [prompt, answer] of pending) {
          if (output.endsWith(prompt)) {
            pending.delete(prompt);
            child.stdin.write(`${answer}\r`);
          }
        }
      });

      return new Promise<{ exitCode: number | null; output: string }>((resolve) => {
        child.on('close', (exitCode) => resolve({ exitCode, output }));
      });
    }

    it('add asks for the password twice', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await runInTerminal(cli, ['add', 'alice'], {
        'Password: ': PASSWORD,
        'Repeat the password: ': PASSWORD,
      });

      assert.equal(result.exitCode, 0, result.output);
      assert.match(result.output, /Created user "alice"/);
      assert.doesNotMatch(result.output, new RegExp(PASSWORD));
      const user = await cli.users.findByUsername('alice');
      assert.equal((await verifyPassword(PASSWORD, user?.passwordHash ?? '', CLI_BCRYPT_COST)).matches, true);
    });

    it('add rejects two different entries', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await runInTerminal(cli, ['add', 'alice'], {
        'Password: ': PASSWORD,
        'Repeat the password: ': `${PASSWORD} again`,
      });

      assert.equal(result.exitCode, 1);
      assert.match(result.output, /The two passwords do not match/);
      assert.equal(await cli.users.findByUsername('alice'), null);
    });
  });

  describe('command line', () => {
    it('prints usage for help', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['help']);

      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /revoke NAME/);
    });

    it('rejects revoke of a missing user', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['revoke', 'nobody']);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /No user named "nobody"/);
    });

    it('rejects an unknown command', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['rename', 'alice']);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /^Unknown command "rename"\./);
      assert.match(result.stderr, /Run "npm run users -- --help" for usage\./);
      assert.equal(result.stdout, '');
    });

    it('rejects a missing NAME', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['add'], `${PASSWORD}\n`);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /"add" takes exactly one NAME/);
      assert.match(result.stderr, /Run "npm run users -- --help" for usage\./);
    });

    it('rejects an extra argument', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['delete', 'alice', 'bob']);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /"delete" takes exactly one NAME/);
    });

    it('rejects a missing command', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run([]);

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /^Missing COMMAND\./);
      assert.match(result.stderr, /Run "npm run users -- --help" for usage\./);
    });

    for (const flag of ['--help', '-h']) {
      it(`prints usage for ${flag}`, PROCESS_TIMEOUT, async () => {
        const cli = newCliProject();

        const result = await cli.run([flag]);

        assert.equal(result.exitCode, 0);
        assert.match(result.stdout, /^Usage: /);
        assert.match(result.stdout, /^ {2}add NAME/m);
        assert.equal(result.stderr, '');
      });
    }

    it('reports an invalid configuration', PROCESS_TIMEOUT, async () => {
      const cli = newCliProject();

      const result = await cli.run(['list'], '', { BCRYPT_COST: '99' });

      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /^BCRYPT_COST "99" is invalid/);
    });
  });
});
