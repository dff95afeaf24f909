import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';

/** The time of one bcrypt hash at a cost, and the login rate it allows. */
export interface BcryptBound {
  cost: number;
  cores: number;
  /** Median time of one hash while every core hashes at once. The bound uses this one. */
  parallelMedianMs: number;
  parallelSamples: number;
  /** Median time of one hash with nothing else hashing, for comparison. */
  serialMedianMs: number;
  serialSamples: number;
  /** cores / parallelMedianMs: the most logins a second if logins did nothing but hash. */
  loginsPerSecond: number;
}

// A hash of the same length as the server's input to bcrypt: the base64 SHA-256 of a password.
const INPUT = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCNg=';

/**
 * Times bcrypt.hash at the cost, `rounds` times alone and `rounds` times on all cores at once.
 * The bound divides the cores by the parallel median, because during a login phase all cores
 * hash together. No server could avoid what that costs each hash (shared caches, a lower
 * all-core clock, other programs on the machine), so the time of a hash alone would overstate
 * what the cores can do.
 */
export async function measureBcryptBound(cost: number, rounds: number): Promise<BcryptBound> {
  const cores = availableParallelism();
  // The first call loads the native code and warms the CPU caches.
  await bcrypt.hash(INPUT, cost);

  const serial: number[] = [];
  for (let round = 0; round < rounds; round++) {
    serial.push(await timeOneHash(cost));
  }

  const parallel: number[] = [];
  for (let round = 0; round < rounds; round++) {
    parallel.push(...(await Promise.all(Array.from({ length: cores }, () => timeOneHash(cost)))));
  }

  const parallelMedianMs = median(parallel);
  return {
    cost,
    cores,
    parallelMedianMs,
    parallelSamples: parallel.length,
    serialMedianMs: median(serial),
    serialSamples: serial.length,
    loginsPerSecond: (cores * 1000) / parallelMedianMs,
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
