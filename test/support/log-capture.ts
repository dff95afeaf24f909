import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** One parsed JSON log line. */
export type LogLine = Record<string, unknown>;

/** A pino logger that keeps every line in memory, for tests of what the app logs. */
export interface CapturedLog {
  logger: Logger;
  /** The raw lines written so far, as pino wrote them. */
  rawLines(): string[];
  /** The lines written so far, parsed. */
  lines(): LogLine[];
}

export function captureLog(level = 'info'): CapturedLog {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      raw.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      callback();
    },
  });

  return {
    logger: pino({ level }, stream),
    rawLines: () => [...raw],
    lines: () => raw.map((line) => JSON.parse(line) as LogLine),
  };
}
