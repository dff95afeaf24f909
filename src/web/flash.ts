import type { Context, Next } from 'koa';

export type FlashCategory = 'success' | 'error' | 'info';

export interface FlashMessage {
  category: FlashCategory;
  message: string;
}

const FLASH_SESSION_KEY = 'flash';

/** Adds ctx.flash(category, message), which stores a message in the session for the next page. */
export async function flashMessages(ctx: Context, next: Next): Promise<void> {
  ctx.flash = (category, message) => {
    const session = requireSession(ctx);
    const pending = readFlashes(session[FLASH_SESSION_KEY]);
    session[FLASH_SESSION_KEY] = [...pending, { category, message }];
  };

  await next();
}

/** Removes and returns the pending flash messages, so that each is shown exactly once. */
export function takeFlashes(ctx: Context): FlashMessage[] {
  const session = ctx.session;
  if (!session || session[FLASH_SESSION_KEY] === undefined) {
    return [];
  }

  const pending = readFlashes(session[FLASH_SESSION_KEY]);
  delete session[FLASH_SESSION_KEY];
  return pending;
}

function readFlashes(value: unknown): FlashMessage[] {
  return Array.isArray(value) ? (value as FlashMessage[]) : [];
}

function requireSession(ctx: Context): NonNullable<Context['session']> {
  if (!ctx.session) {
    throw new Error('flash messages need the session middleware before them');
  }
  return ctx.session;
}
