import type { Context } from 'koa';
import koaPassport from 'koa-passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { isActive, type User } from '../users/user';
import type { UserRepository } from '../users/user-repository';
import type { Authenticator, LoginOutcome } from './authenticator';

export type Passport = InstanceType<typeof koaPassport.KoaPassport>;

/** The reason the local strategy rejected an attempt, passed to the login route as passport's "info". */
export interface LoginFailure {
  reason: Exclude<LoginOutcome['kind'], 'success'>;
}

/**
 * Builds a passport instance for one app: the local strategy checks credentials through the
 * authenticator, and the session stores only the user's document id.
 */
export function createPassport(authenticator: Authenticator, users: UserRepository): Passport {
  const passport = new koaPassport.KoaPassport();

  passport.use('local', createLocalStrategy(authenticator));
  passport.serializeUser((user, done) => done(null, (user as User).id));
  passport.deserializeUser((id: unknown, done) => {
    findActiveUser(users, id).then((user) => done(null, user), done);
  });

  return passport;
}

// passport-local also looks for the fields in the query string, where credentials would leak
// into logs and browser history. So the verify callback reads them from the form body only.
function createLocalStrategy(authenticator: Authenticator): LocalStrategy {
  const options = { usernameField: 'username', passwordField: 'password', passReqToCallback: true as const };

  return new LocalStrategy(options, (request, _username, _password, done) => {
    const form = (request.body ?? {}) as Record<string, unknown>;

    authenticator.check(form.username, form.password).then((outcome) => {
      if (outcome.kind === 'success') {
        done(null, outcome.user);
      } else {
        done(null, false, { reason: outcome.kind } satisfies LoginFailure as never);
      }
    }, done);
  });
}

/** Loads the session's user; a deleted or disabled account ends the session (false). */
async function findActiveUser(users: UserRepository, id: unknown): Promise<User | false> {
  if (typeof id !== 'string' || id === '') {
    return false;
  }

  const user = await users.findById(id);
  return user && isActive(user) ? user : false;
}

/** The result of running the local strategy on a request. */
export type LocalAuthResult = { user: User } | { user: false; failure: LoginFailure };

/** Runs the local strategy and returns its result instead of redirecting. */
export function authenticateLocal(passport: Passport, ctx: Context): Promise<LocalAuthResult> {
  return new Promise((resolve, reject) => {
    const middleware = passport.authenticate('local', (error: unknown, user: User | false, info: unknown) => {
      if (error) {
        reject(error);
      } else if (user) {
        resolve({ user });
      } else {
        resolve({ user: false, failure: toLoginFailure(info) });
      }
    });

    Promise.resolve(middleware(ctx, async () => {})).catch(reject);
  });
}

// passport-local fails with its own message when a field is missing; that is the same outcome as
// wrong credentials to the person logging in.
function toLoginFailure(info: unknown): LoginFailure {
  const reason = (info as Partial<LoginFailure> | undefined)?.reason;
  return { reason: reason === 'inactive' ? 'inactive' : 'invalid-credentials' };
}
