import type { Context } from 'koa';
import Router from 'koa-router';
import { MESSAGES } from '../messages';

/**
 * GET /logout shows a confirmation page with a button, and POST /logout (CSRF-protected) ends the
 * session. Logging out on GET would let any other site log a user out with an image tag.
 */
export function logoutRoutes(): Router {
  const router = new Router();

  router.get('/logout', showLogoutPage);
  router.post('/logout', logOut);

  return router;
}

async function showLogoutPage(ctx: Context): Promise<void> {
  if (!ctx.isAuthenticated()) {
    ctx.redirect('/login');
    return;
  }

  ctx.set('Cache-Control', 'no-store');
  ctx.render('logout.njk');
}

async function logOut(ctx: Context): Promise<void> {
  const userId = (ctx.state.user as { id?: string } | undefined)?.id;

  if (userId !== undefined) {
    await ctx.logout();
    ctx.log.info({ event: 'logout', userId, clientIp: ctx.ip }, 'logout');
  }

  // A new, empty session: nothing of the old one survives except the message below.
  ctx.session = {};
  ctx.flash('success', MESSAGES.loggedOut);

  ctx.status = 303;
  ctx.redirect('/login');
}
