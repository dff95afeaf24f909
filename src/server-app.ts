import type Koa from 'koa';
import type { Firestore } from '@google-cloud/firestore';
import type { Logger } from 'pino';
import { createApp } from './app';
import type { Config } from './config/config';
import { loadOrCreateDevSessionKeys } from './config/session-keys';
import { FirestoreDeadline } from './firestore/deadline';
import { createFirestoreReadinessCheck } from './firestore/readiness';
import { createServices, type Services } from './services';
import { DEFAULT_FEED_OPTIONS } from './sessions/session-change-feed';

/** The app as the server runs it, with the data layer it was built on. */
export interface ServerApp {
  app: Koa;
  services: Services;
}

/**
 * Builds the services and the app from the configuration. The server and the benchmark both
 * call it, so that the benchmark measures what the server runs. When the session cache is on,
 * the session change feed starts here, and the caller must stop it before closing Firestore.
 */
export async function createServerApp(config: Config, firestore: Firestore, logger: Logger): Promise<ServerApp> {
  const deadline = new FirestoreDeadline(config.firestoreDeadlineMs);
  const services = createServices(firestore, config.security, {
    logger,
    deadline,
    sessionCache: config.sessionCache && DEFAULT_FEED_OPTIONS,
  });

  const app = createApp({
    services,
    security: config.security,
    checkReadiness: createFirestoreReadinessCheck(firestore, deadline),
    logger,
    sessionKeys: config.sessionKeys ?? (await loadOrCreateDevSessionKeys(config.dataDir)),
    bcryptCost: config.bcryptCost,
    isProduction: config.isProduction,
    signupEnabled: config.signupEnabled,
    trustProxy: config.trustProxy,
    loginGate: { concurrent: config.loginConcurrency },
  });

  return { app, services };
}
