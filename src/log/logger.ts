import pino, { type Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Human-readable lines for a developer's terminal instead of JSON. */
  pretty: boolean;
}

/** Creates the operator log. Fields that could carry secrets are redacted as a second line of defence. */
export function createLogger({ level, pretty }: LoggerOptions): Logger {
  return pino({
    level,
    redact: {
      paths: ['password', 'passwordHash', '*.password', '*.passwordHash', 'cookie', 'headers.cookie'],
      censor: '[redacted]',
    },
    transport: pretty ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } : undefined,
  });
}
