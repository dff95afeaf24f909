import type { Context, Next } from 'koa';
import koaPassport from 'koa-passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { User } from '../users/user';
import type { Authenticator, LoginOutcome } from './authenticator';
import { deserializeSessionUser, serializeSessionUser, type SessionUser } from './session-user';

export type Passport = InstanceType<typeof koaPassport.KoaPassport>;

/** The reason the local strategy rejected an attempt, passed to the login route as passport's "info". */
export interface LoginFailure {
  reason: Exclude<LoginOutcome['kind'], 'success'>;
  /** With reason "throttled": how long until the username may try again. */
  retryAfterMs?: number;
}

/**
 * Builds a passport instance for one app. The local strategy checks credentials through the
 * authenticator, and the session stores a small snapshot of the user (see SessionUser), which
 * restoreSessionUser reads back without a Firestore read.
 */
export function createPassport(authenticator: Authenticator): Passport {
  const passport = new koaPassport.KoaPassport();

  passport.use('local', createLocalStrategy(authenticator));
  passport.serializeUser((user, done) => done(null, serializeSessionUser(user as SessionUser)));

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
        const failure: LoginFailure = {
          reason: outcome.kind,
          retryAfterMs: outcome.kind === 'throttled' ? outcome.retryAfterMs : undefined,
        };
        done(null, false, failure as never);
      }
    }, done);
  });
}

/**
 * Restores the logged-in user from the session, as passport's session strategy does, but without
 * building passport's imitation of an Express request on every request. The session contains a
 * snapshot of the user (see SessionUser), so this is a plain read. An unreadable snapshot is
 * dropped, which leaves the request anonymous.
 */
export function restoreSessionUser() {
  return async function restoreUser(ctx: Context, next: Next): Promise<void> {
    const stored = ctx.session?.passport?.user;

    if (stored !== undefined) {
      const user = deserializeSessionUser(stored);
      if (user) {
        ctx.state.user = user;
      } else {
        delete ctx.session?.passport.user;
      }
    }

    await next();
  };
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
  const failure = info as Partial<LoginFailure> | undefined;

  if (failure?.reason === 'inactive' || failure?.reason === 'throttled') {
    return { reason: failure.reason, retryAfterMs: failure.retryAfterMs };
  }
  return { reason: 'invalid-credentials' };
}
