import type { Context, Next } from 'koa';
import { passwordConfirmedAt } from './login-session';
import { MESSAGES } from './messages';

export const CONFIRM_PASSWORD_PATH = '/account/confirm';

/**
 * Lets a request through only when the user entered the password (at login or on the
 * confirmation page) less than `freshLoginMs` ago. Otherwise it sends the user to the
 * confirmation page, which returns them to `returnPath` afterwards. The request itself is not
 * replayed: the user repeats the action.
 */
export function requireFreshLogin(freshLoginMs: number, returnPath: string, now: () => number = Date.now) {
  return async function requireRecentPassword(ctx: Context, next: Next): Promise<void> {
    const confirmedAt = passwordConfirmedAt(ctx);

    if (confirmedAt !== undefined && now() - confirmedAt < freshLoginMs) {
      await next();
      return;
    }

    const userId = (ctx.state.user as { id?: string } | undefined)?.id;
    ctx.log.info({ event: 'fresh_login_required', userId, clientIp: ctx.ip, path: ctx.path }, 'password confirmation required');
    ctx.flash('info', MESSAGES.passwordConfirmationRequired);
    ctx.status = 303;
    ctx.redirect(`${CONFIRM_PASSWORD_PATH}?next=${encodeURIComponent(returnPath)}`);
  };
}
