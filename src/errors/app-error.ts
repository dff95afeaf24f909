/**
 * An error whose message is safe to show to the person who caused it. The status is the HTTP
 * status of the response, and the code is a stable identifier for tests and logs.
 */
export class AppError extends Error {
  override readonly name: string = 'AppError';

  /** Whether the message may be shown to the client; true for every 4xx error. */
  readonly expose: boolean;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    expose = status < 500,
  ) {
    super(message);
    this.expose = expose;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
