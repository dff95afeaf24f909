import { AppError } from '../errors/app-error';
import { GrpcStatus, hasGrpcCode } from './grpc-status';

export const DEFAULT_FIRESTORE_DEADLINE_MS = 3000;

export const SERVICE_UNAVAILABLE_MESSAGE =
  'The service is temporarily unavailable. Please try again in a moment.';

/** Firestore did not respond within the deadline or could not be reached; the request gets 503. */
export class FirestoreUnavailableError extends AppError {
  override readonly name = 'FirestoreUnavailableError';

  constructor(
    readonly operation: string,
    readonly reason: string,
  ) {
    super('firestore_unavailable', 503, SERVICE_UNAVAILABLE_MESSAGE, true);
  }
}

/**
 * Bounds every Firestore call of the data layer. The client library retries a failing call for
 * up to about a minute, which no request should wait. So after the deadline the caller gets
 * FirestoreUnavailableError, and the abandoned call ends on its own in the background.
 */
export class FirestoreDeadline {
  constructor(readonly timeoutMs: number = DEFAULT_FIRESTORE_DEADLINE_MS) {}

  async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const pending = call();
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FirestoreUnavailableError(operation, `no response within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });

    try {
      return await Promise.race([pending, expired]);
    } catch (error) {
      throw toUnavailableError(operation, error);
    } finally {
      clearTimeout(timer);
      pending.catch(() => undefined);
    }
  }
}

function toUnavailableError(operation: string, error: unknown): unknown {
  // These statuses mean that Firestore could not be reached or did not finish in time.
  if (hasGrpcCode(error, GrpcStatus.UNAVAILABLE) || hasGrpcCode(error, GrpcStatus.DEADLINE_EXCEEDED)) {
    return new FirestoreUnavailableError(operation, (error as Error).message);
  }
  return error;
}
