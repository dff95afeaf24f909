import Router from 'koa-router';

/** GET / sends a logged-in user to the dashboard and anyone else to the login page. */
export function homeRoutes(): Router {
  const router = new Router();

  router.get('/', (ctx) => {
    ctx.redirect(ctx.isAuthenticated() ? '/dashboard' : '/login');
  });

  return router;
}
