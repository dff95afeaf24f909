import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error';
import { MESSAGES } from './messages';

/**
 * Rejects plain-HTTP requests in production. Session cookies there are Secure, and setting one
 * on a plain connection would fail. Behind a TLS-terminating proxy, TRUST_PROXY=true lets Koa
 * see the original scheme in X-Forwarded-Proto.
 */
export function requireHttps() {
  let hasWarned = false;

  return async function rejectPlainHttp(ctx: Context, next: Next): Promise<void> {
    if (ctx.secure) {
      await next();
      return;
    }

    // One warning explains the likely misconfiguration; repeating it per request adds nothing.
    if (!hasWarned) {
      hasWarned = true;
      const advice = ctx.app.proxy
        ? 'check that the proxy sends X-Forwarded-Proto: https'
        : 'behind a TLS proxy, set TRUST_PROXY=true';
      ctx.log.warn(
        { protocol: ctx.protocol, trustProxy: ctx.app.proxy },
        `rejecting plain-HTTP requests in production; ${advice}`,
      );
    }

    throw new AppError('https_required', 403, MESSAGES.httpsRequired);
  };
}
