import type { Context } from 'koa';
import Router from 'koa-router';
import { authenticateLocal, type Passport } from '../../auth/passport';
import { safeRedirectPath } from '../../auth/safe-redirect';
import type { User } from '../../users/user';
import type { UserRepository } from '../../users/user-repository';
import { MESSAGES } from '../messages';

export const DEFAULT_AFTER_LOGIN_PATH = '/dashboard';

// How long a "remember me" login lasts; without it the cookie ends with the browser session.
const REMEMBER_ME_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

// The username of a failed attempt, shown again in the form once; never the password.
const LAST_USERNAME_SESSION_KEY = 'lastUsername';

export interface LoginRoutesOptions {
  passport: Passport;
  users: UserRepository;
}

/** GET and POST /login. */
export function loginRoutes({ passport, users }: LoginRoutesOptions): Router {
  const router = new Router();

  router.get('/login', showLoginForm);
  router.post('/login', (ctx) => handleLogin(ctx, passport, users));

  return router;
}

async function showLoginForm(ctx: Context): Promise<void> {
  const next = safeRedirectPath(ctx.query.next);

  if (ctx.isAuthenticated()) {
    ctx.redirect(next ?? DEFAULT_AFTER_LOGIN_PATH);
    return;
  }

  const username = ctx.session?.[LAST_USERNAME_SESSION_KEY];
  delete ctx.session?.[LAST_USERNAME_SESSION_KEY];

  ctx.set('Cache-Control', 'no-store');
  ctx.render('login.njk', { next, username: typeof username === 'string' ? username : '' });
}

async function handleLogin(ctx: Context, passport: Passport, users: UserRepository): Promise<void> {
  const form = (ctx.request.body ?? {}) as Record<string, unknown>;
  const next = safeRedirectPath(form.next);
  const result = await authenticateLocal(passport, ctx);

  if (!result.user) {
    const isInactive = result.failure.reason === 'inactive';
    ctx.log.info({ outcome: result.failure.reason, clientIp: ctx.ip }, 'login rejected');
    rejectLogin(ctx, isInactive ? MESSAGES.accountInactive : MESSAGES.loginIncorrect, form.username, next);
    return;
  }

  await startSession(ctx, result.user, form.remember);
  await users.recordLogin(result.user.id);
  rememberPreviousLogin(ctx, result.user);
  ctx.log.info({ userId: result.user.id, clientIp: ctx.ip }, 'login succeeded');

  ctx.status = 303;
  ctx.redirect(next ?? DEFAULT_AFTER_LOGIN_PATH);
}

// The dashboard shows the login before this one, so that a person notices a login that was not
// theirs. The user document keeps only the newest.
export const PREVIOUS_LOGIN_SESSION_KEY = 'previousLoginAt';

function rememberPreviousLogin(ctx: Context, user: User): void {
  if (ctx.session) {
    ctx.session[PREVIOUS_LOGIN_SESSION_KEY] = user.lastLoginAt?.toISOString() ?? null;
  }
}

function rejectLogin(ctx: Context, message: string, username: unknown, next: string | undefined): void {
  ctx.flash('error', message);

  if (ctx.session && typeof username === 'string') {
    ctx.session[LAST_USERNAME_SESSION_KEY] = username.slice(0, 200);
  }

  ctx.status = 303;
  ctx.redirect(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
}

/**
 * Replaces the anonymous session with a fresh one for the user, so nothing from before the login
 * (including the CSRF secret) carries over and a planted session is of no use to an attacker.
 */
async function startSession(ctx: Context, user: User, remember: unknown): Promise<void> {
  ctx.session = {};

  if (ctx.session && remember === 'on') {
    ctx.session.maxAge = REMEMBER_ME_MAX_AGE_MS;
  }

  await ctx.login(user);
}
