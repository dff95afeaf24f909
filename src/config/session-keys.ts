import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const KEY_FILE_NAME = 'session-keys';

/**
 * Loads the development session keys from the data folder, creating a random one on first use,
 * so that sessions survive restarts without the developer having to set SESSION_KEYS.
 */
export async function loadOrCreateDevSessionKeys(dataDir: string): Promise<string[]> {
  const keyFile = path.join(dataDir, KEY_FILE_NAME);
  const existing = await readKeyFile(keyFile);

  if (existing.length > 0) {
    return existing;
  }

  const key = randomBytes(32).toString('hex');
  await mkdir(dataDir, { recursive: true });
  await writeFile(keyFile, `${key}\n`, { mode: 0o600 });

  return [key];
}

async function readKeyFile(keyFile: string): Promise<string[]> {
  try {
    const text = await readFile(keyFile, 'utf8');
    return text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
}
