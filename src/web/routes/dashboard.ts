import type { Context } from 'koa';
import Router from 'koa-router';

/** GET /dashboard, the page a user lands on after logging in. */
export function dashboardRoutes(): Router {
  const router = new Router();
  router.get('/dashboard', showDashboard);
  return router;
}

async function showDashboard(ctx: Context): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.render('dashboard.njk', { user: ctx.state.user });
}
