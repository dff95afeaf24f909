import CSRF from 'koa-csrf';
import { AppError } from '../errors/app-error';
import { MESSAGES } from './messages';

/**
 * Requires a valid `_csrf` form field on every POST. Tokens derive from a secret kept in the
 * session, so a token from another session (or from before login) is rejected.
 */
export function csrfProtection() {
  return new CSRF({
    disableQuery: true,
    errorHandler: () => {
      throw new AppError('csrf_rejected', 403, MESSAGES.csrfRejected);
    },
  });
}
