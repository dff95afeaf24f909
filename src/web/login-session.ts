import type { Context } from 'koa';
import { serializeSessionUser, toSessionUser } from '../auth/session-user';
import { REMEMBER_SESSION_KEY } from '../sessions/session-store';
import type { User } from '../users/user';
import type { UserRepository } from '../users/user-repository';
import { rotateCsrfSecret } from './csrf';

// When the user last entered the password in this session, in milliseconds since the epoch.
const PASSWORD_CONFIRMED_AT_SESSION_KEY = 'passwordConfirmedAt';

export interface LoginSessionOptions {
  users: UserRepository;
  /** How long a "remember me" cookie lasts; without it the cookie ends with the browser. */
  rememberMeLifetimeMs: number;
}

/**
 * Replaces the anonymous session with a new one (new token, new CSRF secret) that carries over
 * only the pending flash messages, so a session planted before login is of no use to an attacker.
 * Login and sign-up both start sessions this way. Returns false, with the new session ended
 * again, when the account's password or status changed while the login was checked.
 */
export async function startLoginSession(
  ctx: Context,
  user: User,
  remember: boolean,
  options: LoginSessionOptions,
): Promise<boolean> {
  const pendingFlashes = ctx.session?.flash;
  const loggedInAt = new Date();
  const sessionUser = toSessionUser(user, loggedInAt);

  // The session is filled in before it moves to a new token, so that one write creates it
  // complete (passport's own login saves it twice). Passport's session strategy reads the user
  // from "passport.user".
  ctx.session = {
    passport: { user: serializeSessionUser(sessionUser) },
    [REMEMBER_SESSION_KEY]: remember,
    [PASSWORD_CONFIRMED_AT_SESSION_KEY]: loggedInAt.getTime(),
    ...(pendingFlashes === undefined ? {} : { flash: pendingFlashes }),
  };
  rotateCsrfSecret(ctx);
  if (ctx.session) {
    ctx.session.maxAge = remember ? options.rememberMeLifetimeMs : 'session';
  }
  await ctx.session?.regenerate();

  const login = { at: loggedInAt, clientIp: ctx.ip, failedLoginsShown: sessionUser.failedLoginsBefore };
  if (await options.users.recordLogin(user, login)) {
    return true;
  }

  ctx.log.warn({ event: 'login_raced', userId: user.id, clientIp: ctx.ip }, 'account changed during login; session ended');
  await ctx.logout();
  return false;
}

/**
 * Moves the session to a new token and CSRF secret, keeping its data, and records that the user
 * entered the password just now. Used after the password is confirmed or changed, so a token or
 * CSRF token captured before the change no longer works.
 */
export async function renewSessionAfterPasswordEntry(ctx: Context): Promise<void> {
  if (!ctx.session) {
    throw new Error('renewing a session needs the session middleware before it');
  }

  ctx.session[PASSWORD_CONFIRMED_AT_SESSION_KEY] = Date.now();
  rotateCsrfSecret(ctx);
  await ctx.session.regenerate();
}

/** Returns when the user last entered the password in this session, or undefined if unknown. */
export function passwordConfirmedAt(ctx: Context): number | undefined {
  const value = ctx.session?.[PASSWORD_CONFIRMED_AT_SESSION_KEY];
  return typeof value === 'number' ? value : undefined;
}
