import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error';
import { RepeatLimiter } from '../log/repeat-limiter';
import { MESSAGES } from './messages';

const WINDOW_MS = 60_000;

// Bounds the memory one instance spends on counters; past it, the oldest windows are dropped.
const MAX_TRACKED_ADDRESSES = 50_000;

interface Window {
  startedAt: number;
  attempts: number;
}

/** What one per-address limit counts, and how it reports an address that goes past it. */
export interface AddressLimit {
  limitPerMinute: number;
  /** The audit event logged for a limited request, such as "login_rate_limited". */
  event: string;
  /** The text of the 429 page. */
  message: string;
}

/** Limits login attempts per client address and minute. */
export function loginAttemptsPerAddress(limitPerMinute: number, now: () => number = Date.now) {
  return attemptsPerAddress({ limitPerMinute, event: 'login_rate_limited', message: MESSAGES.tooManyRequests }, now);
}

/** Limits sign-up attempts per client address and minute. */
export function signupAttemptsPerAddress(limitPerMinute: number, now: () => number = Date.now) {
  return attemptsPerAddress({ limitPerMinute, event: 'signup_rate_limited', message: MESSAGES.tooManySignups }, now);
}

/**
 * Limits requests per client address and minute, responding 429 past the limit. It counts
 * in this process's memory, so with N instances an address can make up to N times the limit;
 * the per-username throttle in Firestore is the defence that holds across instances.
 */
export function attemptsPerAddress(limit: AddressLimit, now: () => number = Date.now) {
  const windows = new Map<string, Window>();
  const repeats = new RepeatLimiter();

  return async function limitAttempts(ctx: Context, next: Next): Promise<void> {
    const address = ctx.ip;
    const current = currentWindow(windows, address, now());
    current.attempts += 1;

    if (current.attempts > limit.limitPerMinute) {
      const retryAfterSeconds = Math.ceil((current.startedAt + WINDOW_MS - now()) / 1000);
      ctx.set('Retry-After', String(retryAfterSeconds));
      const suppressed = repeats.admit(address);
      if (suppressed !== undefined) {
        ctx.log.warn(
          { event: limit.event, clientIp: address, attempts: current.attempts, suppressedSinceLast: suppressed },
          'rate limit per address exceeded',
        );
      }
      throw new AppError('rate_limited', 429, limit.message);
    }

    await next();
  };
}

function currentWindow(windows: Map<string, Window>, address: string, nowMs: number): Window {
  const existing = windows.get(address);
  if (existing && nowMs - existing.startedAt < WINDOW_MS) {
    return existing;
  }

  windows.delete(address);
  if (windows.size >= MAX_TRACKED_ADDRESSES) {
    // Maps iterate in insertion order, so the first key is the oldest window.
    windows.delete(windows.keys().next().value as string);
  }

  const fresh = { startedAt: nowMs, attempts: 0 };
  windows.set(address, fresh);
  return fresh;
}
