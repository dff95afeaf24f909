import { availableParallelism } from 'node:os';
import { DEFAULT_FIRESTORE_DEADLINE_MS } from '../firestore/deadline';
import { ConfigError } from './config-error';
import { parseBooleanVariable, parseIntegerVariable, type Env } from './env-parsing';
import { loadSecurityPolicy, type SecurityPolicy } from './security-policy';

/** The Firestore the server uses: an emulator it was pointed at, Cloud Firestore, or its own emulator. */
export type FirestoreTarget =
  | { kind: 'emulator'; host: string; projectId: string }
  | { kind: 'cloud'; projectId: string }
  | { kind: 'embedded'; projectId: string; port: number | undefined };

export interface Config {
  isProduction: boolean;
  host: string;
  port: number;
  firestore: FirestoreTarget;
  /** Keys that sign the session cookie, newest first; undefined means "generate in development". */
  sessionKeys: string[] | undefined;
  bcryptCost: number;
  /** The longest a request waits for one Firestore call before it responds with 503. */
  firestoreDeadlineMs: number;
  /** Trust X-Forwarded-Proto and X-Forwarded-For from a TLS-terminating proxy in front. */
  trustProxy: boolean;
  /** Serve logged-in sessions from memory, kept current across instances by a Firestore listener. */
  sessionCache: boolean;
  /** Logins processed at once; more wait in line. */
  loginConcurrency: number;
  logLevel: string;
  /** Whether GET and POST /signup exist: on by default in development, off in production. */
  signupEnabled: boolean;
  security: SecurityPolicy;
  /** Folder for local state in development: emulator data and generated session keys. */
  dataDir: string;
}

export const DEFAULT_PORT = 3000;
export const DEFAULT_BCRYPT_COST = 12;
export const DEFAULT_EMULATOR_PROJECT_ID = 'demo-login';

// bcrypt's cost is a base-2 logarithm: 4 is the smallest the library accepts, and 15 already takes
// seconds per hash on a typical core, which would stall logins.
const MIN_BCRYPT_COST = 4;
const MAX_BCRYPT_COST = 15;
const MIN_SESSION_KEY_LENGTH = 32;

/** Reads and validates the configuration from environment variables, throwing ConfigError on any bad value. */
export function loadConfig(env: Env = process.env): Config {
  const isProduction = env.NODE_ENV === 'production';

  return {
    isProduction,
    host: env.HOST?.trim() || (isProduction ? '0.0.0.0' : '127.0.0.1'),
    port: parseIntegerVariable(env, 'PORT', DEFAULT_PORT, 0, 65535),
    firestore: resolveFirestoreTarget(env, isProduction),
    sessionKeys: parseSessionKeys(env, isProduction),
    bcryptCost: parseIntegerVariable(
      env,
      'BCRYPT_COST',
      DEFAULT_BCRYPT_COST,
      MIN_BCRYPT_COST,
      MAX_BCRYPT_COST,
    ),
    firestoreDeadlineMs: parseIntegerVariable(env, 'FIRESTORE_DEADLINE_MS', DEFAULT_FIRESTORE_DEADLINE_MS, 100, 60_000),
    trustProxy: parseBooleanVariable(env, 'TRUST_PROXY', false),
    sessionCache: parseBooleanVariable(env, 'SESSION_CACHE', true),
    loginConcurrency: parseIntegerVariable(env, 'LOGIN_CONCURRENCY', defaultLoginConcurrency(), 1, 1000),
    logLevel: parseLogLevel(env),
    signupEnabled: parseBooleanVariable(env, 'SIGNUP_ENABLED', !isProduction),
    security: loadSecurityPolicy(env),
    dataDir: env.DATA_DIR?.trim() || '.data',
  };
}

/** Enough logins at once to keep every core hashing, while one waits on Firestore. */
export function defaultLoginConcurrency(): number {
  return availableParallelism() * 2;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLogLevel(env: Env): string {
  const level = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError(`LOG_LEVEL "${level}" is invalid: expected one of ${LOG_LEVELS.join(', ')}.`);
  }
  return level;
}

function resolveFirestoreTarget(env: Env, isProduction: boolean): FirestoreTarget {
  const emulatorHost = env.FIRESTORE_EMULATOR_HOST?.trim();
  const projectId = env.GOOGLE_CLOUD_PROJECT?.trim();

  if (projectId !== undefined && projectId !== '') {
    validateProjectId(projectId);
  }

  if (emulatorHost) {
    return { kind: 'emulator', host: emulatorHost, projectId: projectId || DEFAULT_EMULATOR_PROJECT_ID };
  }

  if (projectId) {
    return { kind: 'cloud', projectId };
  }

  if (isProduction) {
    throw new ConfigError(
      'No Firestore target in production: set GOOGLE_CLOUD_PROJECT to the Google Cloud project ' +
        'that holds the database (or FIRESTORE_EMULATOR_HOST for an emulator).',
    );
  }

  // The embedded emulator's port comes from firebase.json unless FIRESTORE_EMULATOR_PORT is set.
  const port = env.FIRESTORE_EMULATOR_PORT?.trim()
    ? parseIntegerVariable(env, 'FIRESTORE_EMULATOR_PORT', 0, 1, 65535)
    : undefined;

  return { kind: 'embedded', projectId: DEFAULT_EMULATOR_PROJECT_ID, port };
}

// Google Cloud project ids: 6 to 30 characters, lower-case letters, digits and hyphens,
// starting with a letter and not ending with a hyphen.
const PROJECT_ID_PATTERN = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

function validateProjectId(projectId: string): void {
  if (!PROJECT_ID_PATTERN.test(projectId)) {
    throw new ConfigError(
      `GOOGLE_CLOUD_PROJECT "${projectId}" is not a valid project id: use 6 to 30 lower-case ` +
        'letters, digits and hyphens, starting with a letter (for the emulator, e.g. "demo-login").',
    );
  }
}

function parseSessionKeys(env: Env, isProduction: boolean): string[] | undefined {
  const raw = env.SESSION_KEYS?.trim();

  if (!raw) {
    if (isProduction) {
      throw new ConfigError(
        'SESSION_KEYS is missing: set it to a comma-separated list of random secrets of at least ' +
          `${MIN_SESSION_KEY_LENGTH} characters (newest first), e.g. from "openssl rand -hex 32".`,
      );
    }
    return undefined;
  }

  const keys = raw.split(',').map((key) => key.trim());
  const shortKeyIndex = keys.findIndex((key) => key.length < MIN_SESSION_KEY_LENGTH);

  if (shortKeyIndex !== -1) {
    throw new ConfigError(
      `SESSION_KEYS entry ${shortKeyIndex + 1} is shorter than ${MIN_SESSION_KEY_LENGTH} ` +
        'characters: use long random secrets, e.g. from "openssl rand -hex 32".',
    );
  }

  return keys;
}
