import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Firestore } from '@google-cloud/firestore';
import pino from 'pino';
import request from 'supertest';
import { createApp, type AppOptions } from '../../src/app';
import { hashPassword } from '../../src/auth/passwords';
import { createFirestoreClient } from '../../src/firestore/client';
import type { FirestoreDeadline } from '../../src/firestore/deadline';
import { createFirestoreReadinessCheck } from '../../src/firestore/readiness';
import type { UserStatus } from '../../src/users/user';
import { DEFAULT_SECURITY_POLICY, type SecurityPolicy } from '../../src/config/security-policy';
import { createServices, type Services } from '../../src/services';
import type { SessionChangeFeedOptions } from '../../src/sessions/session-change-feed';
import type { AccountService } from '../../src/users/account-service';
import type { UserRepository } from '../../src/users/user-repository';

// The lowest cost bcrypt accepts keeps the suite fast; production defaults to 12.
export const TEST_BCRYPT_COST = 4;

/** The emulator that test/run-tests started (or the one FIRESTORE_EMULATOR_HOST names). */
export function emulatorHost(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) {
    throw new Error('FIRESTORE_EMULATOR_HOST is not set: run the tests with "npm test"');
  }
  return host;
}

/** A project id of its own, so each test sees an empty database in the shared emulator. */
export function newProjectId(): string {
  return `demo-t-${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

export function newFirestore(projectId = newProjectId()): Firestore {
  return createFirestoreClient({ kind: 'emulator', host: emulatorHost(), projectId });
}

export interface TestApp {
  baseUrl: string;
  server: Server;
  firestore: Firestore;
  services: Services;
  /** The keys that sign this app's session cookies, for tests that forge or tamper with one. */
  sessionKeys: string[];
  users: UserRepository;
  accounts: AccountService;
  /** A cookie-keeping HTTP client for the running server. */
  agent: ReturnType<typeof request.agent>;
  close(): Promise<void>;
}

// Every test client comes from 127.0.0.1, so the per-address limits are raised out of the way;
// the tests of those limits set their own.
export const TEST_SECURITY_POLICY: SecurityPolicy = {
  ...DEFAULT_SECURITY_POLICY,
  loginAttemptsPerAddressPerMinute: 10_000,
  signupAttemptsPerAddressPerMinute: 10_000,
};

export interface TestAppOptions extends Partial<AppOptions> {
  /** Replaces the user repository, e.g. with one whose reads fail. */
  users?: UserRepository;
  /** The time limit of each Firestore call, shorter in tests of outages. */
  deadline?: FirestoreDeadline;
  /** A client for another emulator than the shared test one. */
  firestore?: Firestore;
  /** Serve logged-in sessions from memory; off unless a test turns it on. */
  sessionCache?: SessionChangeFeedOptions;
}

/** Starts the real app on a loopback port against a fresh emulator project. */
export async function startTestApp(overrides: TestAppOptions = {}): Promise<TestApp> {
  const firestore = overrides.firestore ?? newFirestore();
  const security = overrides.security ?? TEST_SECURITY_POLICY;
  const logger = overrides.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const services = createServices(firestore, security, { logger, deadline: overrides.deadline, sessionCache: overrides.sessionCache });
  if (overrides.users) {
    services.users = overrides.users;
  }

  const sessionKeys = overrides.sessionKeys ?? [randomBytes(32).toString('hex')];
  const app = createApp({
    services,
    security,
    sessionKeys,
    checkReadiness: createFirestoreReadinessCheck(firestore, services.deadline),
    logger,
    bcryptCost: TEST_BCRYPT_COST,
    isProduction: false,
    ...overrides,
    signupEnabled: overrides.signupEnabled ?? true,
  });

  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    server,
    firestore,
    services,
    sessionKeys,
    users: services.users,
    accounts: services.accounts,
    agent: request.agent(server),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      services.sessionChanges.stop();
      await firestore.terminate();
    },
  };
}

/** Creates a user directly through the repository. */
export async function addUser(
  users: UserRepository,
  username: string,
  password: string,
  status: UserStatus = 'active',
): Promise<void> {
  await users.createUser(username, await hashPassword(password, TEST_BCRYPT_COST));
  if (status !== 'active') {
    await users.setStatus(username, status);
  }
}
