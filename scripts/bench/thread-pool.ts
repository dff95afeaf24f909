import { availableParallelism } from 'node:os';

// bcrypt.hash and bcrypt.compare run on libuv's thread pool, which has 4 threads unless
// UV_THREADPOOL_SIZE sets more, and libuv reads the variable when the pool first runs work.
// Imported before anything else, this module lets every core hash at once: in the benchmark,
// and in the server process it forks, which inherits the variable (docs/deploy.md recommends
// the same setting for login-heavy servers).
const current = Number(process.env.UV_THREADPOOL_SIZE) || 0;

/** Threads in the thread pool of the benchmark and of the server it forks. */
export const THREAD_POOL_SIZE = Math.max(4, availableParallelism(), current);

process.env.UV_THREADPOOL_SIZE = String(THREAD_POOL_SIZE);
