import 'reflect-metadata';
import bodyParser from '@koa/bodyparser';
import Koa, { type Middleware } from 'koa';
import Router from 'koa-router';
import session from 'koa-session';
import type { Logger } from 'pino';
import { Authenticator } from './auth/authenticator';
import { createPassport, restoreSessionUser } from './auth/passport';
import { PUBLIC_DIR, TEMPLATES_DIR } from './paths';
import { DummyHash } from './auth/passwords';
import { defaultLoginConcurrency } from './config/config';
import type { SecurityPolicy } from './config/security-policy';
import type { Services } from './services';
import { FirestoreSessionStore } from './sessions/session-store';
import { loginAttemptsPerAddress, signupAttemptsPerAddress } from './web/address-rate-limit';
import { LoginGate, throughLoginGate, type LoginGateLimits } from './web/login-gate';
import { requireFormEncoding } from './web/forms';
import { csrfProtection } from './web/csrf';
import { renderErrors, renderNotFound } from './web/error-pages';
import { requireHttps } from './web/require-https';
import { flashMessages } from './web/flash';
import './web/koa-context';
import { createTemplateEnvironment, templateRendering } from './web/render';
import { requestContext } from './web/request-context';
import { requireLogin } from './web/require-login';
import { accountRoutes } from './web/routes/account';
import { confirmPasswordRoutes } from './web/routes/confirm-password';
import { dashboardRoutes } from './web/routes/dashboard';
import { healthRoutes, type ReadinessCheck } from './web/routes/health';
import { homeRoutes } from './web/routes/home';
import { loginRoutes } from './web/routes/login';
import { logoutRoutes } from './web/routes/logout';
import { signupRoutes } from './web/routes/signup';
import { securityHeaders } from './web/security-headers';
import { staticFiles } from './web/static-files';

export const SESSION_COOKIE_NAME = 'sid';

// Login forms are a few hundred bytes; anything much larger is not a form of ours.
const FORM_BODY_LIMIT = '16kb';

const DEFAULT_LOGIN_GATE_LIMITS: LoginGateLimits = {
  concurrent: defaultLoginConcurrency(),
  // Waiting logins cost a few hundred bytes each; past this many, new ones get 503 at once.
  maxWaiting: 10_000,
  // Within the minute that most proxies allow a request.
  maxWaitMs: 30_000,
};
const LOGIN_RETRY_AFTER_SECONDS = 5;

export interface AppOptions {
  services: Services;
  security: SecurityPolicy;
  checkReadiness: ReadinessCheck;
  logger: Logger;
  sessionKeys: string[];
  bcryptCost: number;
  isProduction: boolean;
  /** How many password checks run at once and how many may wait (see LoginGate). */
  loginGate?: Partial<LoginGateLimits>;
  /** Whether visitors may create accounts at /signup; when false, /signup is a 404. */
  signupEnabled: boolean;
  /** Trust X-Forwarded-* headers, as behind a TLS-terminating proxy or load balancer. */
  trustProxy?: boolean;
}

/**
 * Builds the Koa app. The middleware below runs in this order for every request: public routes
 * come before the login gate, and protected routes after it.
 */
export function createApp(options: AppOptions): Koa {
  // Behind a proxy, the client address is the last X-Forwarded-For entry, which the proxy added.
  // Entries before it come from the client and can be forged.
  const app = new Koa({ keys: options.sessionKeys, proxy: options.trustProxy ?? false, maxIpsCount: 1 });
  const { services, security } = options;
  const authenticator = new Authenticator({
    users: services.users,
    throttle: services.throttle,
    dummyHash: new DummyHash(options.bcryptCost),
    bcryptCost: options.bcryptCost,
  });
  const passport = createPassport(authenticator);
  // Every form that checks or hashes a password waits in one line for a turn, so that bcrypt
  // and the Firestore calls around it cannot crowd out page views.
  const passwordTurn = throughLoginGate(
    new LoginGate({ ...DEFAULT_LOGIN_GATE_LIMITS, ...options.loginGate }),
    LOGIN_RETRY_AFTER_SECONDS,
  );
  // One counter for every form that checks a password: login, confirmation, password change.
  const passwordAttemptLimiter = inSequence(
    loginAttemptsPerAddress(security.loginAttemptsPerAddressPerMinute),
    passwordTurn,
  );

  app.use(requestContext(options.logger));
  app.use(templateRendering(createTemplateEnvironment(TEMPLATES_DIR)));
  app.use(renderErrors());
  app.use(securityHeaders(options.isProduction));
  app.use(renderNotFound);
  app.use(staticFiles(PUBLIC_DIR));
  app.use(healthRoutes(options.checkReadiness).routes());
  if (options.isProduction) {
    app.use(requireHttps());
  }

  app.use(async (ctx, next) => {
    await next();
    await services.sessions.deleteUnfinishedReplacement(ctx);
  });
  app.use(session(sessionOptions(services.sessions, options.isProduction), app));
  app.use(requireFormEncoding);
  app.use(
    bodyParser({
      enableTypes: ['form'],
      formLimit: FORM_BODY_LIMIT,
      // koa-csrf reads the body of every method it checks, DELETE included.
      parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
    }),
  );
  app.use(csrfProtection());
  app.use(passport.initialize());
  app.use(restoreSessionUser());
  app.use(flashMessages);

  app.use(homeRoutes().routes());
  app.use(
    loginRoutes({
      passport,
      users: services.users,
      rememberMeLifetimeMs: security.session.rememberMeLifetimeMs,
      attemptLimiter: passwordAttemptLimiter,
      signupEnabled: options.signupEnabled,
    }).routes(),
  );
  if (options.signupEnabled) {
    app.use(
      signupRoutes({
        users: services.users,
        rememberMeLifetimeMs: security.session.rememberMeLifetimeMs,
        bcryptCost: options.bcryptCost,
        passwordMinLength: security.passwordMinLength,
        attemptLimiter: inSequence(signupAttemptsPerAddress(security.signupAttemptsPerAddressPerMinute), passwordTurn),
      }).routes(),
    );
  }
  app.use(logoutRoutes().routes());

  app.use(protectedRoutes(options, authenticator, passwordAttemptLimiter).routes());

  return app;
}

/** Runs two middleware functions one after the other, as one. */
function inSequence(first: Middleware, second: Middleware): Middleware {
  return (ctx, next) => first(ctx, () => second(ctx, next));
}

/** Routes that need a logged-in user; the gate runs only for requests that match one of them. */
function protectedRoutes(options: AppOptions, authenticator: Authenticator, attemptLimiter: Middleware): Router {
  const { services, security } = options;
  const router = new Router();

  router.use(requireLogin);
  router.use(dashboardRoutes().routes());
  router.use(confirmPasswordRoutes({ authenticator, attemptLimiter }).routes());
  router.use(
    accountRoutes({
      users: services.users,
      sessions: services.sessions,
      accounts: services.accounts,
      authenticator,
      bcryptCost: options.bcryptCost,
      passwordMinLength: security.passwordMinLength,
      freshLoginMs: security.freshLoginMs,
      attemptLimiter,
    }).routes(),
  );

  return router;
}

function sessionOptions(store: FirestoreSessionStore, isProduction: boolean) {
  return {
    key: SESSION_COOKIE_NAME,
    store,
    genid: () => FirestoreSessionStore.generateToken(),
    // Anonymous sessions (and logins without "remember me") end when the browser closes.
    maxAge: 'session' as const,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: isProduction,
    signed: true,
  };
}
