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

/**
 * Limits login attempts per client address and minute, responding 429 past the limit. It counts
 * in this process's memory, so with N instances an address can make up to N times the limit;
 * the per-username throttle in Firestore is the defence that holds across instances.
 */
export function loginAttemptsPerAddress(limitPerMinute: number, now: () => number = Date.now) {
  const windows = new Map<string, Window>();
  const repeats = new RepeatLimiter();

  return async function limitLoginAttempts(ctx: Context, next: Next): Promise<void> {
    const address = ctx.ip;
    const current = currentWindow(windows, address, now());
    current.attempts += 1;

    if (current.attempts > limitPerMinute) {
      const retryAfterSeconds = Math.ceil((current.startedAt + WINDOW_MS - now()) / 1000);
      ctx.set('Retry-After', String(retryAfterSeconds));
      const suppressed = repeats.admit(address);
      if (suppressed !== undefined) {
        ctx.log.warn(
          { event: 'login_rate_limited', clientIp: address, attempts: current.attempts, suppressedSinceLast: suppressed },
          'login rate limit exceeded',
        );
      }
      throw new AppError('rate_limited', 429, MESSAGES.tooManyRequests);
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
