import type { Context, Next } from 'koa';
import Router from 'koa-router';
import type { Authenticator } from '../../auth/authenticator';
import { safeRedirectPath } from '../../auth/safe-redirect';
import type { SessionUser } from '../../auth/session-user';
import { MalformedFormError, readPlainForm } from '../forms';
import { renewSessionAfterPasswordEntry } from '../login-session';
import { MESSAGES } from '../messages';
import { reauthenticate } from '../reauthentication';
import { CONFIRM_PASSWORD_PATH } from '../require-fresh-login';
import { ACCOUNT_PATH, currentPasswordMessage } from './account';

export interface ConfirmPasswordRoutesOptions {
  authenticator: Authenticator;
  /** Runs before each password check, e.g. a rate limit per client address. */
  attemptLimiter: (ctx: Context, next: Next) => Promise<void>;
}

/**
 * GET and POST /account/confirm: the logged-in user enters the password again before a sensitive
 * action and returns to the local path in `next` (the account page by default).
 */
export function confirmPasswordRoutes(options: ConfirmPasswordRoutesOptions): Router {
  const router = new Router();

  router.get(CONFIRM_PASSWORD_PATH, (ctx) => renderConfirmPage(ctx, 200, safeRedirectPath(ctx.query.next), ''));
  router.post(CONFIRM_PASSWORD_PATH, options.attemptLimiter, (ctx) => confirmPassword(ctx, options));

  return router;
}

async function confirmPassword(ctx: Context, options: ConfirmPasswordRoutesOptions): Promise<void> {
  const fields = readConfirmFields(ctx);
  if (!fields) {
    return;
  }

  const sessionUser = ctx.state.user as SessionUser;
  const next = safeRedirectPath(fields.next);
  const outcome = fields.password ? await reauthenticate(ctx, options.authenticator, fields.password) : undefined;
  if (fields.password && !outcome) {
    return;
  }

  if (outcome?.kind !== 'success' || outcome.user.id !== sessionUser.id) {
    const message = outcome ? currentPasswordMessage(outcome) : MESSAGES.passwordMissing;
    const kind = outcome?.kind ?? 'missing';
    ctx.log.info({ event: 'reauthentication_rejected', outcome: kind, userId: sessionUser.id, clientIp: ctx.ip }, 'password confirmation rejected');
    renderConfirmPage(ctx, 422, next, message);
    return;
  }

  await renewSessionAfterPasswordEntry(ctx);
  ctx.log.info({ event: 'reauthenticated', userId: sessionUser.id, clientIp: ctx.ip }, 'password confirmed');
  ctx.flash('info', MESSAGES.passwordConfirmed);
  ctx.status = 303;
  ctx.redirect(next ?? ACCOUNT_PATH);
}

function readConfirmFields(ctx: Context): Record<string, string> | undefined {
  try {
    return readPlainForm(ctx);
  } catch (error) {
    if (!(error instanceof MalformedFormError)) {
      throw error;
    }
    renderConfirmPage(ctx, 400, undefined, MESSAGES.malformedForm);
    return undefined;
  }
}

function renderConfirmPage(ctx: Context, status: number, next: string | undefined, passwordError: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.render('confirm-password.njk', {
    username: (ctx.state.user as SessionUser).username,
    next: next ?? ACCOUNT_PATH,
    errors: passwordError ? { password: passwordError } : {},
  });
}
