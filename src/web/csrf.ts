import Tokens from 'csrf';
import type { Context } from 'koa';
import CSRF from 'koa-csrf';
import { AppError } from '../errors/app-error';
import { MESSAGES } from './messages';

/**
 * Requires a valid `_csrf` form field on every POST. Tokens derive from a secret kept in the
 * session, so a token from another session (or from before login) is rejected.
 */
// koa-csrf keeps the secret that its tokens derive from under this session key.
const CSRF_SECRET_SESSION_KEY = 'secret';

const tokens = new Tokens();

/**
 * Gives the session a new CSRF secret, so that tokens issued before (e.g. before login) stop
 * working. Doing it now rather than on the next request saves that request a session write.
 */
export function rotateCsrfSecret(ctx: Context): void {
  if (ctx.session) {
    ctx.session[CSRF_SECRET_SESSION_KEY] = tokens.secretSync();
  }
}

export function csrfProtection() {
  return new CSRF({
    disableQuery: true,
    errorHandler: () => {
      throw new AppError('csrf_rejected', 403, MESSAGES.csrfRejected);
    },
  });
}
