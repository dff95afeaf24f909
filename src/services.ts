import type { Firestore } from '@google-cloud/firestore';
import type { Logger } from 'pino';
import { LoginThrottle } from './auth/login-throttle';
import type { SecurityPolicy } from './config/security-policy';
import { FirestoreDeadline } from './firestore/deadline';
import { FirestoreOperationCounter } from './firestore/operation-counter';
import { SessionChangeFeed, type SessionChangeFeedOptions } from './sessions/session-change-feed';
import { FirestoreSessionStore } from './sessions/session-store';
import { AccountService } from './users/account-service';
import { createUserRepository, type UserRepository } from './users/user-repository';

/** The data layer of one app (or CLI run), all on one Firestore client. */
export interface Services {
  firestore: Firestore;
  users: UserRepository;
  sessions: FirestoreSessionStore;
  throttle: LoginThrottle;
  accounts: AccountService;
  /** Firestore reads and writes made through the stores above. */
  operations: FirestoreOperationCounter;
  /** The time limit of each of their Firestore calls. */
  deadline: FirestoreDeadline;
  /** Announces session changes to every instance; stop it before closing Firestore. */
  sessionChanges: SessionChangeFeed;
}

export interface ServiceOptions {
  logger?: Logger;
  deadline?: FirestoreDeadline;
  /** Serve logged-in sessions from memory, kept current by a Firestore listener; servers only. */
  sessionCache?: SessionChangeFeedOptions | false;
}

export function createServices(firestore: Firestore, policy: SecurityPolicy, options: ServiceOptions = {}): Services {
  const { logger, deadline = new FirestoreDeadline(), sessionCache = false } = options;
  const operations = new FirestoreOperationCounter();
  const users = createUserRepository(firestore, operations, deadline);
  const sessionChanges = new SessionChangeFeed(firestore, logger, sessionCache || undefined, operations);
  if (sessionCache) {
    sessionChanges.start();
  }
  const sessions = new FirestoreSessionStore(firestore, policy.session, {
    counter: operations,
    deadline,
    changes: sessionChanges,
    cache: sessionCache !== false,
  });
  const throttle = new LoginThrottle(firestore, policy.loginThrottle, operations, deadline);

  return {
    firestore,
    users,
    sessions,
    throttle,
    accounts: new AccountService(users, sessions, throttle, logger),
    operations,
    deadline,
    sessionChanges,
  };
}
