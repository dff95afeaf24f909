import type { Context, Next } from 'koa';
import Router from 'koa-router';
import { authenticateLocal, type LoginFailure, type Passport } from '../../auth/passport';
import { throttleKeyFor } from '../../auth/authenticator';
import { safeRedirectPath } from '../../auth/safe-redirect';
import { MalformedFormError, readPlainForm } from '../forms';
import { startLoginSession, type LoginSessionOptions } from '../login-session';
import { MESSAGES } from '../messages';

export const DEFAULT_AFTER_LOGIN_PATH = '/dashboard';

// The username of a failed attempt, shown again in the form once; never the password.
const LAST_USERNAME_SESSION_KEY = 'lastUsername';

const MAX_REMEMBERED_USERNAME_LENGTH = 200;

// The attempted name is logged normalized and cut short: enough to see which account an attack
// targets, and a password typed into the username field by mistake is not logged whole.
const MAX_LOGGED_USERNAME_LENGTH = 64;

export interface LoginRoutesOptions extends LoginSessionOptions {
  passport: Passport;
  /** Whether the login page links to the sign-up page. */
  signupEnabled: boolean;
  /** Runs before each login attempt: a rate limit per client address and the LoginGate. */
  attemptLimiter: (ctx: Context, next: Next) => Promise<void>;
}

/** GET and POST /login. */
export function loginRoutes(options: LoginRoutesOptions): Router {
  const router = new Router();

  router.get('/login', (ctx) => showLoginForm(ctx, options.signupEnabled));
  router.post('/login', options.attemptLimiter, (ctx) => handleLogin(ctx, options));

  return router;
}

async function showLoginForm(ctx: Context, signupEnabled: boolean): Promise<void> {
  const next = safeRedirectPath(ctx.query.next);

  if (ctx.isAuthenticated()) {
    ctx.redirect(next ?? DEFAULT_AFTER_LOGIN_PATH);
    return;
  }

  const username = ctx.session?.[LAST_USERNAME_SESSION_KEY];
  delete ctx.session?.[LAST_USERNAME_SESSION_KEY];

  ctx.set('Cache-Control', 'no-store');
  ctx.render('login.njk', { next, username: typeof username === 'string' ? username : '', signupEnabled });
}

async function handleLogin(ctx: Context, options: LoginRoutesOptions): Promise<void> {
  const form = readLoginForm(ctx, options.signupEnabled);
  if (!form) {
    return;
  }

  const next = safeRedirectPath(form.next);
  const result = await authenticateLocal(options.passport, ctx);

  if (!result.user) {
    rejectLogin(ctx, result.failure, form.username, next);
    return;
  }

  const loggedIn = await startLoginSession(ctx, result.user, form.remember === 'on', options);
  if (!loggedIn) {
    rejectLogin(ctx, { reason: 'invalid-credentials' }, form.username, next);
    return;
  }
  ctx.log.info({ event: 'login', userId: result.user.id, clientIp: ctx.ip }, 'login succeeded');

  ctx.status = 303;
  ctx.redirect(next ?? DEFAULT_AFTER_LOGIN_PATH);
}

/**
 * Reads the login form strictly. A repeated or nested field gets a 400 login page with the
 * ordinary failure message, so that nothing reveals how the form was judged.
 */
function readLoginForm(ctx: Context, signupEnabled: boolean): Record<string, string> | undefined {
  try {
    const form = readPlainForm(ctx);
    ctx.request.body = form;
    return form;
  } catch (error) {
    if (!(error instanceof MalformedFormError)) {
      throw error;
    }

    ctx.log.info({ event: 'login_rejected', reason: error.message, clientIp: ctx.ip }, 'malformed login form');
    ctx.status = 400;
    ctx.set('Cache-Control', 'no-store');
    ctx.render('login.njk', { username: '', formError: MESSAGES.loginIncorrect, signupEnabled });
    return undefined;
  }
}

function rejectLogin(ctx: Context, failure: LoginFailure, username: string | undefined, next: string | undefined) {
  ctx.log.info(
    {
      event: 'login_rejected',
      outcome: failure.reason,
      username: throttleKeyFor(username).slice(0, MAX_LOGGED_USERNAME_LENGTH),
      clientIp: ctx.ip,
    },
    failure.reason === 'throttled' ? 'login throttled' : 'login rejected',
  );
  ctx.flash('error', failureMessage(failure));

  if (ctx.session && username !== undefined) {
    ctx.session[LAST_USERNAME_SESSION_KEY] = username.slice(0, MAX_REMEMBERED_USERNAME_LENGTH);
  }

  ctx.status = 303;
  ctx.redirect(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
}

function failureMessage(failure: LoginFailure): string {
  switch (failure.reason) {
    case 'inactive':
      return MESSAGES.accountInactive;
    case 'throttled':
      return MESSAGES.loginThrottled(Math.max(1, Math.ceil((failure.retryAfterMs ?? 0) / 60_000)));
    default:
      return MESSAGES.loginIncorrect;
  }
}
