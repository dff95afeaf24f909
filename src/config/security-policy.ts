import type { SessionPolicy } from '../sessions/session-store';
import { parseIntegerVariable, type Env } from './env-parsing';

/** Every security threshold, in one place; docs/security.md lists the same defaults. */
export interface SecurityPolicy {
  session: SessionPolicy;
  passwordMinLength: number;
  loginThrottle: LoginThrottlePolicy;
  /** Login attempts one client address may make per minute on one server instance. */
  loginAttemptsPerAddressPerMinute: number;
  /** Sign-up attempts one client address may make per minute on one server instance. */
  signupAttemptsPerAddressPerMinute: number;
  /**
   * How long after entering the password a user may change it or sign out other sessions
   * without entering it again.
   */
  freshLoginMs: number;
}

export interface LoginThrottlePolicy {
  /** Consecutive failures for one username before further attempts are delayed. */
  failuresBeforeDelay: number;
  /** The delay after the failure that reaches the threshold; each further failure doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export const DEFAULT_SECURITY_POLICY: SecurityPolicy = {
  session: {
    idleTimeoutMs: 30 * MINUTE_MS,
    maxLifetimeMs: 12 * HOUR_MS,
    rememberMeLifetimeMs: 30 * DAY_MS,
    activityRefreshMs: 5 * MINUTE_MS,
  },
  passwordMinLength: 8,
  loginThrottle: {
    failuresBeforeDelay: 5,
    firstDelayMs: 30_000,
    maxDelayMs: 15 * MINUTE_MS,
  },
  loginAttemptsPerAddressPerMinute: 30,
  signupAttemptsPerAddressPerMinute: 10,
  freshLoginMs: 10 * MINUTE_MS,
};

/** Reads the thresholds that may be changed from the environment, within sensible bounds. */
export function loadSecurityPolicy(env: Env): SecurityPolicy {
  const defaults = DEFAULT_SECURITY_POLICY;

  return {
    session: {
      ...defaults.session,
      idleTimeoutMs: minutes(env, 'SESSION_IDLE_TIMEOUT_MINUTES', defaults.session.idleTimeoutMs, 24 * 60),
      maxLifetimeMs: hours(env, 'SESSION_MAX_LIFETIME_HOURS', defaults.session.maxLifetimeMs, 30 * 24),
      rememberMeLifetimeMs: days(env, 'REMEMBER_ME_DAYS', defaults.session.rememberMeLifetimeMs, 400),
    },
    // NIST SP 800-63B sets 8 characters as the lowest minimum for user-chosen passwords.
    passwordMinLength: parseIntegerVariable(env, 'PASSWORD_MIN_LENGTH', defaults.passwordMinLength, 8, 64),
    loginThrottle: {
      ...defaults.loginThrottle,
      failuresBeforeDelay: parseIntegerVariable(env, 'LOGIN_FAILURES_BEFORE_DELAY', defaults.loginThrottle.failuresBeforeDelay, 1, 50),
      maxDelayMs: minutes(env, 'LOGIN_MAX_DELAY_MINUTES', defaults.loginThrottle.maxDelayMs, 24 * 60),
    },
    loginAttemptsPerAddressPerMinute: parseIntegerVariable(
      env,
      'LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE',
      defaults.loginAttemptsPerAddressPerMinute,
      1,
      10_000,
    ),
    signupAttemptsPerAddressPerMinute: parseIntegerVariable(
      env,
      'SIGNUP_ATTEMPTS_PER_ADDRESS_PER_MINUTE',
      defaults.signupAttemptsPerAddressPerMinute,
      1,
      10_000,
    ),
    freshLoginMs: minutes(env, 'FRESH_LOGIN_MINUTES', defaults.freshLoginMs, 24 * 60),
  };
}

function minutes(env: Env, name: string, defaultMs: number, max: number): number {
  return parseIntegerVariable(env, name, defaultMs / MINUTE_MS, 1, max) * MINUTE_MS;
}

function hours(env: Env, name: string, defaultMs: number, max: number): number {
  return parseIntegerVariable(env, name, defaultMs / HOUR_MS, 1, max) * HOUR_MS;
}

function days(env: Env, name: string, defaultMs: number, max: number): number {
  return parseIntegerVariable(env, name, defaultMs / DAY_MS, 1, max) * DAY_MS;
}
