import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

const LOCK_FILE_NAME = 'emulator.lock';

/** The kind of process that runs the embedded emulator. */
export type EmulatorOwnerRole = 'server' | 'cli';

/** The contents of the lock file: who runs the embedded emulator for this data folder, and where. */
export interface EmulatorLock {
  pid: number;
  role: EmulatorOwnerRole;
  hostAndPort: string;
}

/**
 * Creates the lock file, failing when it exists. One process at a time runs the embedded
 * emulator of a data folder; the others find it through this file.
 */
export async function tryCreateEmulatorLock(dataDir: string, lock: EmulatorLock): Promise<boolean> {
  await mkdir(dataDir, { recursive: true });

  try {
    await writeFile(lockPath(dataDir), JSON.stringify(lock), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return false;
    }
    throw error;
  }
}

/** Reads the lock, or returns undefined when there is none (or it is unreadable). */
export async function readEmulatorLock(dataDir: string): Promise<EmulatorLock | undefined> {
  try {
    const lock = JSON.parse(await readFile(lockPath(dataDir), 'utf8')) as Partial<EmulatorLock>;
    const isComplete =
      typeof lock.pid === 'number' && typeof lock.hostAndPort === 'string' && (lock.role === 'server' || lock.role === 'cli');
    return isComplete ? (lock as EmulatorLock) : undefined;
  } catch {
    return undefined;
  }
}

export async function removeEmulatorLock(dataDir: string): Promise<void> {
  await rm(lockPath(dataDir), { force: true });
}

/** Checks whether a process with this id still runs, by sending it signal 0. */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockPath(dataDir: string): string {
  return path.join(dataDir, LOCK_FILE_NAME);
}
