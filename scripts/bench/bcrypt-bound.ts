import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';

/** The time of one bcrypt hash at a cost, and the login rate it allows. */
export interface BcryptBound {
  cost: number;
  cores: number;
  /** Median time of one hash with nothing else hashing. The bound uses this one. */
  serialMedianMs: number;
  serialSamples: number;
  /** Median time of one hash while every core hashes at once, for comparison. */
  parallelMedianMs: number;
  parallelSamples: number;
  /** cores / serialMedianMs: the maximum logins a second if logins did nothing but hash. */
  loginsPerSecond: number;
}

// A hash of the same length as the server's input to bcrypt: the base64 SHA-256 of a password.
const INPUT = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCNg=';

/**
 * Times bcrypt.hash at the cost: `serialRounds` hashes one at a time, then `parallelRounds`
 * rounds of one hash per core at once. The bound divides the cores by the median of the hashes
 * timed one at a time. Such a hash needs only one free core, so other programs on a shared
 * machine barely change it. A parallel time takes whatever CPU they leave at that moment, which
 * differs from what they leave during the login phase a minute later. What other programs take
 * then shows in the login phase's CPU split instead of hiding in the bound.
 */
export async function measureBcryptBound(cost: number, serialRounds: number, parallelRounds: number): Promise<BcryptBound> {
  const cores = availableParallelism();
  // The first call loads the native code and warms the CPU caches.
  await bcrypt.hash(INPUT, cost);

  const serial: number[] = [];
  for (let round = 0; round < serialRounds; round++) {
    serial.push(await timeOneHash(cost));
  }

  const parallel: number[] = [];
  for (let round = 0; round < parallelRounds; round++) {
    parallel.push(...(await Promise.all(Array.from({ length: cores }, () => timeOneHash(cost)))));
  }

  const serialMedianMs = median(serial);
  return {
    cost,
    cores,
    serialMedianMs,
    serialSamples: serial.length,
    parallelMedianMs: median(parallel),
    parallelSamples: parallel.length,
    loginsPerSecond: (cores * 1000) / serialMedianMs,
  };
}

async function timeOneHash(cost: number): Promise<number> {
  const startedAt = performance.now();
  await bcrypt.hash(INPUT, cost);
  return performance.now() - startedAt;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
