import type { Context, Next } from 'koa';
import Router from 'koa-router';
import type { Authenticator, LoginOutcome } from '../../auth/authenticator';
import { hashPassword } from '../../auth/passwords';
import type { SessionUser } from '../../auth/session-user';
import type { FirestoreSessionStore, SessionSummary } from '../../sessions/session-store';
import { describeUserAgent } from '../../sessions/user-agent';
import type { AccountService } from '../../users/account-service';
import type { UserRepository } from '../../users/user-repository';
import { PasswordChangeForm } from '../account-forms';
import { hasFieldErrors, validateForm, type FieldErrors } from '../form-validation';
import { readPlainForm } from '../forms';
import { renewSessionAfterPasswordEntry } from '../login-session';
import { MESSAGES } from '../messages';
import { reauthenticate } from '../reauthentication';
import { requireFreshLogin } from '../require-fresh-login';

export const ACCOUNT_PATH = '/account';

export interface AccountRoutesOptions {
  users: UserRepository;
  sessions: FirestoreSessionStore;
  accounts: AccountService;
  authenticator: Authenticator;
  bcryptCost: number;
  passwordMinLength: number;
  /** How long after entering the password the sensitive actions need no confirmation. */
  freshLoginMs: number;
  /** Runs before each password check, e.g. a rate limit per client address. */
  attemptLimiter: (ctx: Context, next: Next) => Promise<void>;
}

/** A session as the account page lists it. */
interface SessionRow {
  id: string;
  device: string;
  clientIp: string;
  createdAt: Date;
  lastSeenAt: Date;
  isCurrent: boolean;
}

/**
 * The account page (GET /account) and its actions: change the password, sign out one session,
 * sign out every other session. The actions need a recent password entry (requireFreshLogin).
 */
export function accountRoutes(options: AccountRoutesOptions): Router {
  const router = new Router();
  const freshLogin = requireFreshLogin(options.freshLoginMs, ACCOUNT_PATH);

  router.get(ACCOUNT_PATH, (ctx) => renderAccountPage(ctx, options, 200, {}));
  router.post('/account/password', options.attemptLimiter, freshLogin, (ctx) => changePassword(ctx, options));
  router.post('/account/sessions/revoke', freshLogin, (ctx) => signOutSession(ctx, options));
  router.post('/account/sessions/revoke-others', freshLogin, (ctx) => signOutOtherSessions(ctx, options));

  return router;
}

function sessionUserOf(ctx: Context): SessionUser {
  return ctx.state.user as SessionUser;
}

async function renderAccountPage(
  ctx: Context,
  options: AccountRoutesOptions,
  status: number,
  passwordErrors: FieldErrors,
): Promise<void> {
  const sessionUser = sessionUserOf(ctx);
  const [user, sessions] = await Promise.all([
    options.users.findByUserId(sessionUser.id),
    options.sessions.listForUser(sessionUser.id),
  ]);

  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.render('account.njk', {
    user: sessionUser,
    lastLoginAt: user?.lastLoginAt ?? sessionUser.loggedInAt,
    sessions: toSessionRows(sessions, options.sessions.currentSessionId(ctx)),
    passwordErrors,
    passwordFormError: hasFieldErrors(passwordErrors) ? MESSAGES.formHasErrors : '',
    passwordMinLength: options.passwordMinLength,
  });
}

function toSessionRows(sessions: SessionSummary[], currentId: string | undefined): SessionRow[] {
  const rows = sessions.map((session) => ({
    id: session.id,
    device: describeUserAgent(session.userAgent),
    clientIp: session.clientIp,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    isCurrent: session.id === currentId,
  }));

  // The current session first, then the others by last activity.
  return [...rows.filter((row) => row.isCurrent), ...rows.filter((row) => !row.isCurrent)];
}

async function changePassword(ctx: Context, options: AccountRoutesOptions): Promise<void> {
  const sessionUser = sessionUserOf(ctx);
  const form = new PasswordChangeForm(readPlainForm(ctx), sessionUser.username, options.passwordMinLength);

  const errors = await validateForm(form);
  if (hasFieldErrors(errors)) {
    await rejectPasswordChange(ctx, options, errors, 'invalid');
    return;
  }

  const outcome = await reauthenticate(ctx, options.authenticator, form.currentPassword);
  if (!outcome) {
    return;
  }
  if (outcome.kind !== 'success' || outcome.user.id !== sessionUser.id) {
    await rejectPasswordChange(ctx, options, { currentPassword: currentPasswordMessage(outcome) }, outcome.kind);
    return;
  }

  const newHash = await hashPassword(form.newPassword, options.bcryptCost);
  const keepSessionId = options.sessions.currentSessionId(ctx);
  const ended = await options.accounts.changeOwnPassword(
    sessionUser.id,
    outcome.user.passwordHash,
    newHash,
    keepSessionId,
    ctx.log,
  );

  if (ended === undefined) {
    ctx.log.warn({ event: 'password_change_rejected', outcome: 'conflict', userId: sessionUser.id, clientIp: ctx.ip }, 'password changed concurrently');
    redirectToAccount(ctx, 'error', MESSAGES.passwordChangeConflict);
    return;
  }

  await renewSessionAfterPasswordEntry(ctx);
  ctx.log.info({ event: 'password_changed', userId: sessionUser.id, clientIp: ctx.ip, endedSessions: ended }, 'password changed');
  redirectToAccount(ctx, 'success', MESSAGES.passwordChanged(ended));
}

/** The message next to the current-password field when the authenticator rejected it. */
export function currentPasswordMessage(outcome: LoginOutcome): string {
  switch (outcome.kind) {
    case 'throttled':
      return MESSAGES.loginThrottled(Math.max(1, Math.ceil(outcome.retryAfterMs / 60_000)));
    case 'inactive':
      return MESSAGES.accountInactive;
    default:
      return MESSAGES.currentPasswordIncorrect;
  }
}

async function rejectPasswordChange(
  ctx: Context,
  options: AccountRoutesOptions,
  errors: FieldErrors,
  outcome: string,
): Promise<void> {
  ctx.log.info(
    { event: 'password_change_rejected', outcome, fields: Object.keys(errors), userId: sessionUserOf(ctx).id, clientIp: ctx.ip },
    'password change rejected',
  );
  await renderAccountPage(ctx, options, 422, errors);
}

async function signOutSession(ctx: Context, options: AccountRoutesOptions): Promise<void> {
  const userId = sessionUserOf(ctx).id;
  const sessionId = readPlainForm(ctx).sessionId ?? '';

  if (sessionId === options.sessions.currentSessionId(ctx)) {
    redirectToAccount(ctx, 'error', MESSAGES.currentSessionNotRevocable);
    return;
  }

  if (!(await options.accounts.signOutSession(userId, sessionId, ctx.log))) {
    ctx.log.info({ event: 'session_revoke_rejected', reason: 'not_found', userId, clientIp: ctx.ip }, 'session to sign out not found');
    redirectToAccount(ctx, 'error', MESSAGES.sessionNotFound);
    return;
  }

  ctx.log.info({ event: 'session_signed_out', userId, clientIp: ctx.ip }, 'session signed out');
  redirectToAccount(ctx, 'success', MESSAGES.sessionSignedOut);
}

async function signOutOtherSessions(ctx: Context, options: AccountRoutesOptions): Promise<void> {
  const userId = sessionUserOf(ctx).id;
  readPlainForm(ctx);

  const ended = await options.accounts.signOutOtherSessions(userId, options.sessions.currentSessionId(ctx), ctx.log);

  ctx.log.info({ event: 'other_sessions_signed_out', userId, clientIp: ctx.ip, endedSessions: ended }, 'other sessions signed out');
  redirectToAccount(ctx, 'success', MESSAGES.otherSessionsSignedOut(ended));
}

function redirectToAccount(ctx: Context, category: 'success' | 'error', message: string): void {
  ctx.flash(category, message);
  ctx.status = 303;
  ctx.redirect(ACCOUNT_PATH);
}
