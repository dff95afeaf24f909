import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcrypt';
import request from 'supertest';
import { checkNewPassword } from '../../src/auth/password-policy';
import { MAX_PASSWORD_LENGTH, hashPassword, verifyPassword } from '../../src/auth/passwords';
import { logIn } from '../support/forms';
import { TEST_BCRYPT_COST, addUser, startTestApp, type TestApp } from '../support/test-app';

const PREFIX = 'bcrypt-sha256$';
const MIN_LENGTH = 8;

// 72 ASCII bytes: exactly what plain bcrypt reads.
const FIRST_72_BYTES = 'a'.repeat(36) + 'b'.repeat(36);

/** Returns the cost recorded in a "bcrypt-sha256$" hash or a plain bcrypt hash. */
function costOf(storedHash: string): number {
  const bcryptHash = storedHash.startsWith(PREFIX) ? storedHash.slice(PREFIX.length) : storedHash;
  return Number(bcryptHash.split('$')[2]);
}

describe('hashPassword', () => {
  it('prefixes the scheme name', async () => {
    const hash = await hashPassword('correct horse battery', TEST_BCRYPT_COST);

    assert.ok(hash.startsWith(PREFIX), `hash starts with ${hash.slice(0, 20)}`);
  });

  it('stores a bcrypt hash after the prefix', async () => {
    const hash = await hashPassword('correct horse battery', TEST_BCRYPT_COST);

    assert.match(hash.slice(PREFIX.length), /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/);
  });

  it('records the given cost', async () => {
    const hash = await hashPassword('correct horse battery', 5);

    assert.equal(costOf(hash), 5);
  });

  it('salts each hash', async () => {
    const first = await hashPassword('correct horse battery', TEST_BCRYPT_COST);
    const second = await hashPassword('correct horse battery', TEST_BCRYPT_COST);

    assert.notEqual(first, second);
  });
});

describe('verifyPassword', () => {
  describe('with a current hash', () => {
    let hash: string;
    before(async () => {
      hash = await hashPassword('correct horse battery', TEST_BCRYPT_COST);
    });

    it('matches the right password', async () => {
      const check = await verifyPassword('correct horse battery', hash, TEST_BCRYPT_COST);

      assert.equal(check.matches, true);
    });

    it('rejects a wrong password', async () => {
      const check = await verifyPassword('correct horse batterY', hash, TEST_BCRYPT_COST);

      assert.equal(check.matches, false);
    });

    it('rejects an empty password', async () => {
      const check = await verifyPassword('', hash, TEST_BCRYPT_COST);

      assert.equal(check.matches, false);
    });

    it('needs no rehash at equal cost', async () => {
      const check = await verifyPassword('correct horse battery', hash, TEST_BCRYPT_COST);

      assert.equal(check.needsRehash, false);
    });

    it('needs a rehash below the cost', async () => {
      const check = await verifyPassword('correct horse battery', hash, TEST_BCRYPT_COST + 1);

      assert.equal(check.needsRehash, true);
    });

    it('needs no rehash above the cost', async () => {
      const stronger = await hashPassword('correct horse battery', TEST_BCRYPT_COST + 1);

      const check = await verifyPassword('correct horse battery', stronger, TEST_BCRYPT_COST);

      assert.equal(check.needsRehash, false);
    });
  });

  describe('with a 100-character password', () => {
    const original = 'x'.repeat(99) + '1';
    const variant = 'x'.repeat(99) + '2';
    let hash: string;
    before(async () => {
      hash = await hashPassword(original, TEST_BCRYPT_COST);
    });

    it('matches the same password', async () => {
      assert.equal((await verifyPassword(original, hash, TEST_BCRYPT_COST)).matches, true);
    });

    it('rejects a different last character', async () => {
      assert.equal((await verifyPassword(variant, hash, TEST_BCRYPT_COST)).matches, false);
    });
  });

  describe('with a NUL byte', () => {
    const password = 'before\0after-the-nul';
    let hash: string;
    before(async () => {
      hash = await hashPassword(password, TEST_BCRYPT_COST);
    });

    it('matches the whole password', async () => {
      assert.equal((await verifyPassword(password, hash, TEST_BCRYPT_COST)).matches, true);
    });

    it('rejects the part before NUL', async () => {
      assert.equal((await verifyPassword('before', hash, TEST_BCRYPT_COST)).matches, false);
    });

    it('rejects a different part after NUL', async () => {
      assert.equal((await verifyPassword('before\0something-else', hash, TEST_BCRYPT_COST)).matches, false);
    });
  });

  describe('with a plain bcrypt hash', () => {
    let legacyHash: string;
    before(async () => {
      legacyHash = await bcrypt.hash('correct horse battery', 4);
    });

    it('matches the right password', async () => {
      assert.equal((await verifyPassword('correct horse battery', legacyHash, TEST_BCRYPT_COST)).matches, true);
    });

    it('needs a rehash', async () => {
      assert.equal((await verifyPassword('correct horse battery', legacyHash, TEST_BCRYPT_COST)).needsRehash, true);
    });

    it('rejects a wrong password', async () => {
      assert.equal((await verifyPassword('wrong horse battery', legacyHash, TEST_BCRYPT_COST)).matches, false);
    });
  });

  describe('with a plain bcrypt hash of 72 bytes', () => {
    let legacyHash: string;
    before(async () => {
      legacyHash = await bcrypt.hash(FIRST_72_BYTES, 4);
    });

    it('matches exactly those 72 bytes', async () => {
      assert.equal((await verifyPassword(FIRST_72_BYTES, legacyHash, TEST_BCRYPT_COST)).matches, true);
    });

    it('rejects a longer password', async () => {
      const longer = FIRST_72_BYTES + 'anything after byte 72';

      assert.equal(await bcrypt.compare(longer, legacyHash), true, 'plain bcrypt no longer cuts at 72 bytes');
      assert.equal((await verifyPassword(longer, legacyHash, TEST_BCRYPT_COST)).matches, false);
    });

    it('rejects a cut multibyte password', async () => {
      // 71 ASCII bytes and a 2-byte "é": 73 bytes, of which plain bcrypt hashed only 72.
      const password = FIRST_72_BYTES.slice(0, 71) + 'é';
      const hashOfCut = await bcrypt.hash(password, 4);

      assert.equal((await verifyPassword(password, hashOfCut, TEST_BCRYPT_COST)).matches, false);
    });
  });
});

describe('checkNewPassword', () => {
  describe('rejects', () => {
    const rejected: { name: string; password: string; username?: string }[] = [
      { name: 'seven characters', password: 'kq7#vWz' },
      { name: 'seven emoji', password: '🐙'.repeat(7) },
      { name: 'an empty password', password: '' },
      { name: 'over the maximum length', password: 'kq7#vWz!'.repeat(MAX_PASSWORD_LENGTH / 8) + 'x' },
      { name: 'a lone high surrogate', password: '\ud800abcdefgh' },
      { name: 'a lone low surrogate', password: 'abcdefgh\udc00' },
      { name: 'the username', password: 'alice.smith', username: 'alice.smith' },
      { name: 'the username in capitals', password: 'ALICE.SMITH', username: 'Alice.Smith' },
      { name: 'the username in full width', password: 'ｄａｖｅｐａｓｓ２', username: 'davepass2' },
      { name: 'the username with spaces around', password: ' davepass3 ', username: 'davepass3' },
      { name: '"password123"', password: 'password123' },
      { name: '"iloveyou1"', password: 'iloveyou1' },
      { name: '"PassWord123" in mixed case', password: 'PassWord123' },
    ];

    for (const { name, password, username } of rejected) {
      it(name, () => {
        assert.equal(typeof checkNewPassword(password, MIN_LENGTH, username), 'string');
      });
    }
  });

  describe('accepts', () => {
    const accepted: { name: string; password: string; username?: string }[] = [
      { name: 'eight emoji', password: '🐙'.repeat(8) },
      { name: 'a long passphrase', password: 'correct horse battery staple' },
      { name: 'exactly the maximum length', password: 'kq7#vWz!'.repeat(MAX_PASSWORD_LENGTH / 8) },
      { name: 'a non-Latin passphrase', password: 'пароль-для-входа' },
      { name: 'a password containing the username', password: 'alice-rides-bikes', username: 'alice' },
    ];

    for (const { name, password, username } of accepted) {
      it(name, () => {
        assert.equal(checkNewPassword(password, MIN_LENGTH, username), undefined);
      });
    }
  });

  it('names the minimum length', () => {
    assert.match(checkNewPassword('short', 12) ?? '', /at least 12 characters/);
  });
});

describe('POST /login with an old hash', () => {
  const PASSWORD = 'correct horse battery';
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  describe('plain bcrypt', () => {
    before(async () => {
      await app.users.createUser('legacy', await bcrypt.hash(PASSWORD, 4));
    });

    it('logs in', async () => {
      const response = await logIn(request.agent(app.server), { username: 'legacy', password: PASSWORD });

      assert.equal(response.headers.location, '/dashboard');
    });

    it('stores a SHA-256 scheme hash', async () => {
      await logIn(request.agent(app.server), { username: 'legacy', password: PASSWORD });

      const user = await app.users.findByUsername('legacy');
      assert.ok(user?.passwordHash.startsWith(PREFIX), 'the hash was not upgraded');
    });

    it('logs in again after the upgrade', async () => {
      await logIn(request.agent(app.server), { username: 'legacy', password: PASSWORD });

      const response = await logIn(request.agent(app.server), { username: 'legacy', password: PASSWORD });

      assert.equal(response.headers.location, '/dashboard');
    });
  });

  describe('plain bcrypt with a wrong password', () => {
    it('keeps the old hash', async () => {
      const legacyHash = await bcrypt.hash(PASSWORD, 4);
      await app.users.createUser('legacy-wrong', legacyHash);

      await logIn(request.agent(app.server), { username: 'legacy-wrong', password: 'not the password' });

      const user = await app.users.findByUsername('legacy-wrong');
      assert.equal(user?.passwordHash, legacyHash);
    });
  });

  describe('plain bcrypt of 72 bytes', () => {
    before(async () => {
      await app.users.createUser('legacy-long', await bcrypt.hash(FIRST_72_BYTES, 4));
    });

    it('rejects extra bytes after 72', async () => {
      const agent = request.agent(app.server);

      const response = await logIn(agent, { username: 'legacy-long', password: FIRST_72_BYTES + 'tail' });

      assert.equal(response.headers.location, '/login');
      assert.equal((await agent.get('/dashboard')).status, 302);
    });
  });
});

describe('POST /login with a long password', () => {
  const LONG_PASSWORD = FIRST_72_BYTES + 'the part after byte 72';
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await addUser(app.users, 'alice', LONG_PASSWORD);
  });
  after(() => app.close());

  it('accepts the whole password', async () => {
    const response = await logIn(request.agent(app.server), { username: 'alice', password: LONG_PASSWORD });

    assert.equal(response.headers.location, '/dashboard');
  });

  it('rejects a change after byte 72', async () => {
    const agent = request.agent(app.server);

    const response = await logIn(agent, { username: 'alice', password: FIRST_72_BYTES + 'the part after byte 73' });

    assert.equal(response.headers.location, '/login');
    assert.equal((await agent.get('/dashboard')).status, 302);
  });
});

describe('POST /login below the configured cost', () => {
  const PASSWORD = 'correct horse battery';
  const CONFIGURED_COST = TEST_BCRYPT_COST + 1;
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ bcryptCost: CONFIGURED_COST });
    await addUser(app.users, 'alice', PASSWORD);
  });
  after(() => app.close());

  it('upgrades the hash cost', async () => {
    const stored = await app.users.findByUsername('alice');
    assert.equal(costOf(stored?.passwordHash ?? ''), TEST_BCRYPT_COST);

    const response = await logIn(request.agent(app.server), { username: 'alice', password: PASSWORD });

    assert.equal(response.headers.location, '/dashboard');
    const upgraded = await app.users.findByUsername('alice');
    assert.equal(costOf(upgraded?.passwordHash ?? ''), CONFIGURED_COST);
  });

  it('keeps the SHA-256 scheme', async () => {
    await logIn(request.agent(app.server), { username: 'alice', password: PASSWORD });

    const user = await app.users.findByUsername('alice');
    assert.ok(user?.passwordHash.startsWith(PREFIX), 'the upgraded hash lost its scheme prefix');
  });
});
