import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error';
import { RepeatLimiter } from '../log/repeat-limiter';
import { MESSAGES } from './messages';

/** How many password checks may run at once, and how long the others may wait for a turn. */
export interface LoginGateLimits {
  /** Logins processed at the same time; the rest wait in line. */
  concurrent: number;
  /** Logins allowed to wait; one more gets 503 at once. */
  maxWaiting: number;
  /** A login that waited this long gets 503 instead of a turn. */
  maxWaitMs: number;
}

interface Waiter {
  admit: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Admits a bounded number of logins at a time. Without it, a burst of logins fills the event loop
 * with their Firestore calls and keeps bcrypt's threads busy. Logins waiting in line cost nothing,
 * so page views stay fast while logins pile up.
 */
export class LoginGate {
  private running = 0;
  // A Set iterates in insertion order, which makes it a queue with removal from the middle.
  private readonly waiting = new Set<Waiter>();

  constructor(private readonly limits: LoginGateLimits) {}

  /** Resolves true when the caller may run, or false when the line is full or the wait ran out. */
  enter(): Promise<boolean> {
    if (this.running < this.limits.concurrent) {
      this.running += 1;
      return Promise.resolve(true);
    }
    if (this.waiting.size >= this.limits.maxWaiting) {
      return Promise.resolve(false);
    }

    return new Promise((resolve) => {
      const waiter: Waiter = {
        admit: () => resolve(true),
        timer: setTimeout(() => {
          this.waiting.delete(waiter);
          resolve(false);
        }, this.limits.maxWaitMs),
      };
      this.waiting.add(waiter);
    });
  }

  /** Ends a turn that enter() granted, handing it to the longest waiter. */
  leave(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.running -= 1;
      return;
    }

    this.waiting.delete(next.value);
    clearTimeout(next.value.timer);
    next.value.admit();
  }

  get waitingCount(): number {
    return this.waiting.size;
  }
}

/**
 * Middleware that runs the rest of a login route inside the gate. A login refused a turn gets
 * 503 with Retry-After, which clients and load balancers understand as "try again shortly".
 */
export function throughLoginGate(gate: LoginGate, retryAfterSeconds: number) {
  const repeats = new RepeatLimiter();

  return async function waitForLoginTurn(ctx: Context, next: Next): Promise<void> {
    if (!(await gate.enter())) {
      logBusy(ctx, gate, repeats);
      ctx.set('Retry-After', String(retryAfterSeconds));
      throw new AppError('login_busy', 503, MESSAGES.loginBusy, true);
    }

    try {
      // A client that disconnected while waiting gets no response, so its login is skipped.
      if (!ctx.req.socket.destroyed) {
        await next();
      }
    } finally {
      gate.leave();
    }
  };
}

function logBusy(ctx: Context, gate: LoginGate, repeats: RepeatLimiter): void {
  const suppressed = repeats.admit('login_busy');
  if (suppressed !== undefined) {
    ctx.log.warn(
      { event: 'login_busy', waiting: gate.waitingCount, suppressedSinceLast: suppressed },
      'login refused: too many logins waiting for a password check',
    );
  }
}
