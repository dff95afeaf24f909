import type { Context } from 'koa';
import type { Authenticator, LoginOutcome } from '../auth/authenticator';
import type { SessionUser } from '../auth/session-user';
import { MESSAGES } from './messages';

/** Wrong passwords one session may enter on the confirmation and password forms. */
export const MAX_REAUTHENTICATION_FAILURES = 5;

// The count of wrong passwords entered in this session, kept in the session itself.
const FAILURES_SESSION_KEY = 'reauthenticationFailures';

/**
 * Checks the logged-in user's password before a sensitive action. Each session may enter a wrong
 * password MAX_REAUTHENTICATION_FAILURES times: then it is logged out and sent to the login page,
 * where the username throttle applies, so a stolen cookie cannot be used to guess the password.
 * Returns the outcome, or undefined when the session was logged out and the response is set.
 */
export async function reauthenticate(
  ctx: Context,
  authenticator: Authenticator,
  password: unknown,
): Promise<LoginOutcome | undefined> {
  const sessionUser = ctx.state.user as SessionUser;
  const outcome = await authenticator.reauthenticate(sessionUser.username, password);
  const succeeded = outcome.kind === 'success' && outcome.user.id === sessionUser.id;

  if (succeeded || !ctx.session) {
    delete ctx.session?.[FAILURES_SESSION_KEY];
    return outcome;
  }

  const failures = Number(ctx.session[FAILURES_SESSION_KEY] ?? 0) + 1;
  if (failures < MAX_REAUTHENTICATION_FAILURES) {
    ctx.session[FAILURES_SESSION_KEY] = failures;
    return outcome;
  }

  await logOutAfterFailures(ctx, sessionUser);
  return undefined;
}

async function logOutAfterFailures(ctx: Context, sessionUser: SessionUser): Promise<void> {
  ctx.log.warn(
    { event: 'reauthentication_limit', userId: sessionUser.id, clientIp: ctx.ip, failures: MAX_REAUTHENTICATION_FAILURES },
    'too many wrong passwords in one session; logged out',
  );
  await ctx.logout();
  ctx.session = {};
  ctx.flash('error', MESSAGES.reauthenticationLimit);
  ctx.status = 303;
  ctx.redirect('/login');
}
