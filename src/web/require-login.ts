import type { Context, Next } from 'koa';
import { MESSAGES } from './messages';

/**
 * Lets logged-in users through and sends anyone else to the login page. For a GET request, the
 * login page then returns them to the requested page.
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
