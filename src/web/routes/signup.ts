import type { Context, Next } from 'koa';
import Router from 'koa-router';
import { hashPassword } from '../../auth/passwords';
import type { User } from '../../users/user';
import { UsernameTakenError } from '../../users/user-errors';
import { SignupForm } from '../account-forms';
import { hasFieldErrors, validateForm, type FieldErrors } from '../form-validation';
import { MalformedFormError, readPlainForm } from '../forms';
import { startLoginSession, type LoginSessionOptions } from '../login-session';
import { MESSAGES } from '../messages';
import { DEFAULT_AFTER_LOGIN_PATH } from './login';

export interface SignupRoutesOptions extends LoginSessionOptions {
  bcryptCost: number;
  passwordMinLength: number;
  /** Runs before each sign-up attempt, e.g. a rate limit per client address. */
  attemptLimiter: (ctx: Context, next: Next) => Promise<void>;
}

/** What the sign-up page shows besides the empty form. */
interface SignupView {
  username?: string;
  errors?: FieldErrors;
  formError?: string;
}

/** GET and POST /signup: create an account and log in with it. */
export function signupRoutes(options: SignupRoutesOptions): Router {
  const router = new Router();

  router.get('/signup', (ctx) => showSignupForm(ctx, options));
  router.post('/signup', options.attemptLimiter, (ctx) => handleSignup(ctx, options));

  return router;
}

async function showSignupForm(ctx: Context, options: SignupRoutesOptions): Promise<void> {
  if (ctx.isAuthenticated()) {
    ctx.redirect(DEFAULT_AFTER_LOGIN_PATH);
    return;
  }

  renderSignupPage(ctx, options, 200, {});
}

async function handleSignup(ctx: Context, options: SignupRoutesOptions): Promise<void> {
  if (ctx.isAuthenticated()) {
    ctx.status = 303;
    ctx.redirect(DEFAULT_AFTER_LOGIN_PATH);
    return;
  }

  const fields = readSignupFields(ctx, options);
  if (!fields) {
    return;
  }

  const form = new SignupForm(fields, options.passwordMinLength);
  const errors = await validateForm(form);
  if (hasFieldErrors(errors)) {
    rejectSignup(ctx, options, form.username, errors, 'invalid');
    return;
  }

  const user = await createAccount(form, options);
  if (!user) {
    rejectSignup(ctx, options, form.username, { username: MESSAGES.usernameTaken }, 'username-taken');
    return;
  }

  await logInNewUser(ctx, user, options);
}

/** Reads the form strictly; a repeated or nested field gets the form again with a 400. */
function readSignupFields(ctx: Context, options: SignupRoutesOptions): Record<string, string> | undefined {
  try {
    return readPlainForm(ctx);
  } catch (error) {
    if (!(error instanceof MalformedFormError)) {
      throw error;
    }

    ctx.log.info({ event: 'signup_rejected', outcome: 'malformed', reason: error.message, clientIp: ctx.ip }, 'malformed sign-up form');
    renderSignupPage(ctx, options, 400, { formError: MESSAGES.malformedForm });
    return undefined;
  }
}

/** Creates the account, or returns undefined when the username is taken (also by a concurrent sign-up). */
async function createAccount(form: SignupForm, options: SignupRoutesOptions): Promise<User | undefined> {
  const passwordHash = await hashPassword(form.password, options.bcryptCost);

  try {
    return await options.users.createUser(form.username, passwordHash);
  } catch (error) {
    if (error instanceof UsernameTakenError) {
      return undefined;
    }
    throw error;
  }
}

async function logInNewUser(ctx: Context, user: User, options: SignupRoutesOptions): Promise<void> {
  ctx.log.info({ event: 'signup', userId: user.id, clientIp: ctx.ip }, 'account created');

  if (!(await startLoginSession(ctx, user, false, options))) {
    ctx.flash('error', MESSAGES.signupLoginFailed);
    ctx.status = 303;
    ctx.redirect('/login');
    return;
  }

  ctx.log.info({ event: 'login', userId: user.id, clientIp: ctx.ip }, 'login succeeded');
  ctx.flash('success', MESSAGES.welcome(user.username));
  ctx.status = 303;
  ctx.redirect(DEFAULT_AFTER_LOGIN_PATH);
}

// The username is shown again so nothing typed is lost, but never a password.
function rejectSignup(
  ctx: Context,
  options: SignupRoutesOptions,
  username: string,
  errors: FieldErrors,
  outcome: string,
): void {
  ctx.log.info(
    { event: 'signup_rejected', outcome, fields: Object.keys(errors), clientIp: ctx.ip },
    'sign-up rejected',
  );
  renderSignupPage(ctx, options, 422, { username, errors, formError: MESSAGES.formHasErrors });
}

function renderSignupPage(ctx: Context, options: SignupRoutesOptions, status: number, view: SignupView): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.render('signup.njk', { username: '', errors: {}, passwordMinLength: options.passwordMinLength, ...view });
}
