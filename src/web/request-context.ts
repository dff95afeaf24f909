import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';

const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * Gives each request an id (sent back in X-Request-Id) and a child logger carrying it, and logs
 * one line per finished request.
 */
export function requestContext(logger: Logger) {
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    const startedAt = performance.now();
    ctx.requestId = randomUUID();
    ctx.log = logger.child({ requestId: ctx.requestId });
    ctx.set(REQUEST_ID_HEADER, ctx.requestId);

    try {
      await next();
    } finally {
      const durationMs = Math.round((performance.now() - startedAt) * 10) / 10;
      ctx.log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, durationMs },
        'request finished',
      );
    }
  };
}
