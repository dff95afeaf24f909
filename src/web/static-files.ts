import type { Context, Next } from 'koa';
import send from 'koa-send';

const STATIC_PREFIX = '/static/';

// Stylesheets are small and change rarely. A day of caching keeps pages fast, and a deployment's
// new styles still reach every browser within a day.
const STATIC_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Serves files from publicDir under /static/, with caching headers. */
export function staticFiles(publicDir: string) {
  return async function serveStatic(ctx: Context, next: Next): Promise<void> {
    const isStaticRequest = ctx.path.startsWith(STATIC_PREFIX) && ['GET', 'HEAD'].includes(ctx.method);
    const file = ctx.path.slice(STATIC_PREFIX.length);
    if (!isStaticRequest || file === '') {
      await next();
      return;
    }

    const served = await send(ctx, file, {
      root: publicDir,
      maxage: STATIC_MAX_AGE_MS,
    }).catch((error: { status?: number }) => {
      if (error.status === 404) {
        return undefined;
      }
      throw error;
    });

    if (!served) {
      await next();
    }
  };
}
