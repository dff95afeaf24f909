import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BCRYPT_COST, DEFAULT_EMULATOR_PROJECT_ID, DEFAULT_PORT, loadConfig } from '../../src/config/config';
import { ConfigError } from '../../src/config/config-error';

const SESSION_KEY = 'k'.repeat(32);
const OTHER_SESSION_KEY = 'j'.repeat(40);

describe('loadConfig', () => {
  describe('with an empty environment', () => {
    const config = loadConfig({});

    it('listens on port 3000', () => {
      assert.equal(DEFAULT_PORT, 3000);
      assert.equal(config.port, 3000);
    });

    it('listens on loopback only', () => {
      assert.equal(config.host, '127.0.0.1');
    });

    it('uses bcrypt cost 12', () => {
      assert.equal(DEFAULT_BCRYPT_COST, 12);
      assert.equal(config.bcryptCost, 12);
    });

    it('targets the embedded emulator', () => {
      assert.equal(DEFAULT_EMULATOR_PROJECT_ID, 'demo-login');
      assert.deepEqual(config.firestore, { kind: 'embedded', projectId: 'demo-login', port: undefined });
    });

    it('runs in development mode', () => {
      assert.equal(config.isProduction, false);
    });

    it('leaves session keys to generate', () => {
      assert.equal(config.sessionKeys, undefined);
    });

    it('logs at info level', () => {
      assert.equal(config.logLevel, 'info');
    });

    it('keeps data in .data', () => {
      assert.equal(config.dataDir, '.data');
    });
  });

  describe('Firestore target', () => {
    it('uses FIRESTORE_EMULATOR_HOST as emulator', () => {
      const config = loadConfig({ FIRESTORE_EMULATOR_HOST: '127.0.0.1:8181' });

      assert.deepEqual(config.firestore, { kind: 'emulator', host: '127.0.0.1:8181', projectId: 'demo-login' });
    });

    it('gives the emulator GOOGLE_CLOUD_PROJECT', () => {
      const config = loadConfig({ FIRESTORE_EMULATOR_HOST: '127.0.0.1:8181', GOOGLE_CLOUD_PROJECT: 'demo-other' });

      assert.deepEqual(config.firestore, { kind: 'emulator', host: '127.0.0.1:8181', projectId: 'demo-other' });
    });

    it('uses GOOGLE_CLOUD_PROJECT alone as cloud', () => {
      const config = loadConfig({ GOOGLE_CLOUD_PROJECT: 'my-project-123' });

      assert.deepEqual(config.firestore, { kind: 'cloud', projectId: 'my-project-123' });
    });

    it('trims GOOGLE_CLOUD_PROJECT', () => {
      const config = loadConfig({ GOOGLE_CLOUD_PROJECT: '  my-project-123 ' });

      assert.deepEqual(config.firestore, { kind: 'cloud', projectId: 'my-project-123' });
    });

    it('treats blank variables as unset', () => {
      const config = loadConfig({ FIRESTORE_EMULATOR_HOST: ' ', GOOGLE_CLOUD_PROJECT: '' });

      assert.equal(config.firestore.kind, 'embedded');
    });

    it('honours FIRESTORE_EMULATOR_PORT when embedded', () => {
      const config = loadConfig({ FIRESTORE_EMULATOR_PORT: '9123' });

      assert.deepEqual(config.firestore, { kind: 'embedded', projectId: 'demo-login', port: 9123 });
    });

    for (const value of ['0', 'abc', '70000', '-5']) {
      it(`rejects FIRESTORE_EMULATOR_PORT ${JSON.stringify(value)}`, () => {
        assert.throws(() => loadConfig({ FIRESTORE_EMULATOR_PORT: value }), configErrorNaming('FIRESTORE_EMULATOR_PORT'));
      });
    }

    for (const value of ['Bad_Project', 'short', '1starts-with-digit', 'ends-with-hyphen-', 'x'.repeat(31)]) {
      it(`rejects GOOGLE_CLOUD_PROJECT ${JSON.stringify(value.slice(0, 20))}`, () => {
        assert.throws(() => loadConfig({ GOOGLE_CLOUD_PROJECT: value }), configErrorNaming('GOOGLE_CLOUD_PROJECT'));
      });
    }

    it('rejects a bad project with emulator', () => {
      const env = { FIRESTORE_EMULATOR_HOST: '127.0.0.1:8181', GOOGLE_CLOUD_PROJECT: 'Bad_Project' };

      assert.throws(() => loadConfig(env), configErrorNaming('GOOGLE_CLOUD_PROJECT'));
    });
  });

  describe('in production', () => {
    it('requires a Firestore target', () => {
      const env = { NODE_ENV: 'production', SESSION_KEYS: SESSION_KEY };

      assert.throws(() => loadConfig(env), configErrorNaming('GOOGLE_CLOUD_PROJECT'));
    });

    it('requires SESSION_KEYS', () => {
      const env = { NODE_ENV: 'production', GOOGLE_CLOUD_PROJECT: 'my-project-123' };

      assert.throws(() => loadConfig(env), configErrorNaming('SESSION_KEYS'));
    });

    it('rejects blank SESSION_KEYS', () => {
      const env = { NODE_ENV: 'production', GOOGLE_CLOUD_PROJECT: 'my-project-123', SESSION_KEYS: '  ' };

      assert.throws(() => loadConfig(env), configErrorNaming('SESSION_KEYS'));
    });

    it('loads a complete configuration', () => {
      const config = loadConfig({
        NODE_ENV: 'production',
        GOOGLE_CLOUD_PROJECT: 'my-project-123',
        SESSION_KEYS: SESSION_KEY,
      });

      assert.equal(config.isProduction, true);
      assert.equal(config.host, '0.0.0.0');
      assert.deepEqual(config.firestore, { kind: 'cloud', projectId: 'my-project-123' });
      assert.deepEqual(config.sessionKeys, [SESSION_KEY]);
    });
  });

  describe('SESSION_KEYS', () => {
    it('splits and trims the keys', () => {
      const config = loadConfig({ SESSION_KEYS: ` ${SESSION_KEY} , ${OTHER_SESSION_KEY}` });

      assert.deepEqual(config.sessionKeys, [SESSION_KEY, OTHER_SESSION_KEY]);
    });

    it('rejects a short key', () => {
      assert.throws(() => loadConfig({ SESSION_KEYS: 'k'.repeat(31) }), configErrorNaming('SESSION_KEYS'));
    });

    it('names the short entry', () => {
      assert.throws(() => loadConfig({ SESSION_KEYS: `${SESSION_KEY},short` }), /SESSION_KEYS entry 2 /);
    });

    it('rejects an empty entry', () => {
      assert.throws(() => loadConfig({ SESSION_KEYS: `${SESSION_KEY},,${OTHER_SESSION_KEY}` }), ConfigError);
    });

    it('rejects a short key in development', () => {
      assert.throws(() => loadConfig({ NODE_ENV: 'development', SESSION_KEYS: 'secret' }), ConfigError);
    });
  });

  describe('PORT', () => {
    it('reads a valid port', () => {
      assert.equal(loadConfig({ PORT: '8081' }).port, 8081);
    });

    it('trims the value', () => {
      assert.equal(loadConfig({ PORT: ' 8081 ' }).port, 8081);
    });

    it('accepts port 0', () => {
      assert.equal(loadConfig({ PORT: '0' }).port, 0);
    });

    for (const value of ['abc', '-1', '1.5', '70000', '65536', '1e3', '0x50', '80abc']) {
      it(`rejects ${JSON.stringify(value)}`, () => {
        assert.throws(() => loadConfig({ PORT: value }), configErrorNaming('PORT'));
      });
    }
  });

  describe('BCRYPT_COST', () => {
    it('reads the lowest cost', () => {
      assert.equal(loadConfig({ BCRYPT_COST: '4' }).bcryptCost, 4);
    });

    it('reads the highest cost', () => {
      assert.equal(loadConfig({ BCRYPT_COST: '15' }).bcryptCost, 15);
    });

    for (const value of ['abc', '-1', '3', '16', '1.5', '70000', '0']) {
      it(`rejects ${JSON.stringify(value)}`, () => {
        assert.throws(() => loadConfig({ BCRYPT_COST: value }), configErrorNaming('BCRYPT_COST'));
      });
    }
  });

  describe('other settings', () => {
    it('reads HOST', () => {
      assert.equal(loadConfig({ HOST: ' 0.0.0.0 ' }).host, '0.0.0.0');
    });

    it('reads LOG_LEVEL', () => {
      assert.equal(loadConfig({ LOG_LEVEL: 'debug' }).logLevel, 'debug');
    });

    it('reads DATA_DIR', () => {
      assert.equal(loadConfig({ DATA_DIR: '/tmp/login-data' }).dataDir, '/tmp/login-data');
    });
  });
});

/** Returns an assert.throws check for a ConfigError whose message names the variable. */
function configErrorNaming(variable: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.ok(error.message.includes(variable), `message does not name ${variable}: ${error.message}`);
    return true;
  };
}

describe('account self-service settings', () => {
  it('enables sign-up in development', () => {
    assert.equal(loadConfig({}).signupEnabled, true);
  });

  it('disables sign-up in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', GOOGLE_CLOUD_PROJECT: 'my-project', SESSION_KEYS: SESSION_KEY });

    assert.equal(config.signupEnabled, false);
  });

  it('enables sign-up in production when set', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      GOOGLE_CLOUD_PROJECT: 'my-project',
      SESSION_KEYS: SESSION_KEY,
      SIGNUP_ENABLED: 'true',
    });

    assert.equal(config.signupEnabled, true);
  });

  it('disables sign-up in development when set', () => {
    assert.equal(loadConfig({ SIGNUP_ENABLED: '0' }).signupEnabled, false);
  });

  it('rejects an invalid SIGNUP_ENABLED', () => {
    assert.throws(() => loadConfig({ SIGNUP_ENABLED: 'yes please' }), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^SIGNUP_ENABLED "yes please" is invalid: expected true or false\./);
      return true;
    });
  });

  it('gives a 10-minute fresh-login window', () => {
    assert.equal(loadConfig({}).security.freshLoginMs, 10 * 60_000);
  });

  it('reads FRESH_LOGIN_MINUTES', () => {
    assert.equal(loadConfig({ FRESH_LOGIN_MINUTES: '3' }).security.freshLoginMs, 3 * 60_000);
  });

  for (const value of ['0', '1441', 'ten', '-5']) {
    it(`rejects FRESH_LOGIN_MINUTES ${JSON.stringify(value)}`, () => {
      assert.throws(() => loadConfig({ FRESH_LOGIN_MINUTES: value }), /FRESH_LOGIN_MINUTES .* expected a whole number from 1 to 1440/);
    });
  }

  it('limits sign-ups to 10 per address', () => {
    assert.equal(loadConfig({}).security.signupAttemptsPerAddressPerMinute, 10);
  });

  it('reads SIGNUP_ATTEMPTS_PER_ADDRESS_PER_MINUTE', () => {
    const config = loadConfig({ SIGNUP_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '25' });

    assert.equal(config.security.signupAttemptsPerAddressPerMinute, 25);
  });

  it('rejects a zero sign-up limit', () => {
    assert.throws(() => loadConfig({ SIGNUP_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '0' }), ConfigError);
  });
});
