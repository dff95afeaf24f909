import type { Context, Next } from 'koa';
import { isAppError } from '../errors/app-error';
import { RepeatLimiter } from '../log/repeat-limiter';
import { MESSAGES } from './messages';

interface HttpErrorLike {
  status: number;
  expose: boolean;
  message: string;
}

/**
 * Turns every error into a page from the error template. A client error (4xx) shows its message;
 * a fault (5xx) shows a generic text, and its detail goes only to the log.
 */
export function renderErrors() {
  const repeats = new RepeatLimiter();

  return async function renderErrorPages(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (error) {
      const { status, message } = describeError(error);
      logError(ctx, error, status, message, repeats);
      renderErrorPage(ctx, status, message);
    }
  };
}

// Faults are logged at error level, at most once per interval for each kind, so that an outage
// does not write one identical line per request.
function logError(ctx: Context, error: unknown, status: number, message: string, repeats: RepeatLimiter): void {
  if (status < 500) {
    ctx.log.info({ status, reason: message }, 'request rejected');
    return;
  }

  const kind = `${status}:${(error as { code?: unknown } | null)?.code ?? (error as Error | null)?.message}`;
  const suppressed = repeats.admit(kind);
  if (suppressed !== undefined) {
    ctx.log.error({ err: error, status, suppressedSinceLast: suppressed }, 'request failed');
  }
}

/** Renders the 404 page for requests that no route handled. */
export async function renderNotFound(ctx: Context, next: Next): Promise<void> {
  await next();

  if (ctx.status === 404 && ctx.body === undefined) {
    renderErrorPage(ctx, 404, MESSAGES.notFound);
  }
}

function describeError(error: unknown): { status: number; message: string } {
  if (isAppError(error) && error.expose) {
    return { status: error.status, message: error.message };
  }

  const clientError = asClientHttpError(error);
  if (clientError) {
    const message = clientError.expose ? clientError.message : MESSAGES.badRequest;
    return { status: clientError.status, message };
  }

  // zlib fails this way on a body whose Content-Encoding does not match its bytes.
  if (typeof (error as { code?: unknown } | null)?.code === 'string' && /^Z_/.test((error as { code: string }).code)) {
    return { status: 400, message: MESSAGES.badRequest };
  }

  return { status: 500, message: MESSAGES.internalError };
}

// Koa's ctx.throw and the body parser raise http-errors with a 4xx status. Their "expose" flag
// marks a message as safe to show; other 4xx errors get a generic text.
function asClientHttpError(error: unknown): HttpErrorLike | undefined {
  const candidate = error as (Partial<HttpErrorLike> & { statusCode?: unknown }) | null;
  const status = candidate?.status ?? candidate?.statusCode;

  if (typeof status !== 'number' || status < 400 || status >= 500) {
    return undefined;
  }
  return { status, expose: candidate?.expose === true, message: String(candidate?.message) };
}

function renderErrorPage(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');

  try {
    ctx.render('error.njk', { status, message }, { keepFlashes: true });
  } catch (renderError) {
    // The template itself failed; fall back to plain text rather than fail again.
    ctx.log.error({ err: renderError }, 'rendering the error page failed');
    ctx.type = 'text';
    ctx.body = `${status} ${message}`;
  }
}
