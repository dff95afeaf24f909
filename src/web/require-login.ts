import type { Context, Next } from 'koa';
import { MESSAGES } from './messages';

/**
 * Lets logged-in users through; sends anyone else to the login page, which brings them back to
 * the page they asked for (for GET requests) after they log in.
 */
export async function requireLogin(ctx: Context, next: Next): Promise<void> {
  if (ctx.isAuthenticated()) {
    await next();
    return;
  }

  ctx.flash('info', MESSAGES.loginRequired);
  const isPageRequest = ctx.method === 'GET' || ctx.method === 'HEAD';
  ctx.redirect(isPageRequest ? `/login?next=${encodeURIComponent(ctx.originalUrl)}` : '/login');
}
