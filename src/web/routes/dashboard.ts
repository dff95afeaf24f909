import type { Context } from 'koa';
import Router from 'koa-router';
import type { SessionUser } from '../../auth/session-user';
import { MESSAGES } from '../messages';

/**
 * GET /dashboard, the page a user lands on after logging in. It shows the login before this one
 * and the failed attempts since, so that a person notices someone else trying the account.
 */
export function dashboardRoutes(): Router {
  const router = new Router();
  router.get('/dashboard', showDashboard);
  return router;
}

async function showDashboard(ctx: Context): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  const user = ctx.state.user as SessionUser;
  ctx.render('dashboard.njk', { user, failedLoginsWarning: MESSAGES.failedLoginsWarning(user.failedLoginsBefore) });
}
