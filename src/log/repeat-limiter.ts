/**
 * Decides whether a repeated log line may be written: the first line for a key is, then at most
 * one per interval, carrying the count of lines left out since. Keeps an outage from flooding
 * the log with one identical error per request.
 */
export class RepeatLimiter {
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the number of lines suppressed since the last one, or undefined to suppress this one. */
  admit(key: string): number | undefined {
    const nowMs = this.now();
    const entry = this.lastLogged.get(key);

    if (entry && nowMs - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return undefined;
    }

    this.lastLogged.set(key, { at: nowMs, suppressed: 0 });
    return entry?.suppressed ?? 0;
  }
}
