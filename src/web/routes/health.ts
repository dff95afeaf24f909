import type { Context } from 'koa';
import Router from 'koa-router';

export type ReadinessCheck = () => Promise<void>;

/**
 * GET /healthz returns 200 while the process serves requests, without touching Firestore.
 * GET /readyz returns 200 only when the readiness check (a Firestore read) succeeds.
 */
export function healthRoutes(checkReadiness: ReadinessCheck): Router {
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', (ctx) => reportReadiness(ctx, checkReadiness));

  return router;
}

async function reportReadiness(ctx: Context, checkReadiness: ReadinessCheck): Promise<void> {
  ctx.set('Cache-Control', 'no-store');

  try {
    await checkReadiness();
    ctx.body = { status: 'ready' };
  } catch (error) {
    ctx.log.warn({ err: error }, 'readiness check failed');
    ctx.status = 503;
    ctx.body = { status: 'unavailable', reason: 'Firestore did not answer' };
  }
}
