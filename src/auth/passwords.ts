import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';

/**
 * The hash scheme for new passwords: bcrypt over the base64 SHA-256 of the password's UTF-8
 * bytes. bcrypt reads only 72 bytes and stops at a NUL byte; the 44-character digest has
 * neither problem, so every character of a long password counts.
 */
const SHA256_BCRYPT_PREFIX = 'bcrypt-sha256$';

// Anything longer is not a password a person types, and hashing it would only cost CPU.
export const MAX_PASSWORD_LENGTH = 1024;

// bcrypt's own limit, which matters only for plain bcrypt hashes from before the SHA-256 scheme.
const BCRYPT_MAX_BYTES = 72;

/** The result of checking a password against a stored hash. */
export interface PasswordCheck {
  matches: boolean;
  /** The hash uses an older scheme or a lower cost than configured and should be replaced. */
  needsRehash: boolean;
}

/** Hashes a password with the current scheme, on the libuv thread pool, off the event loop. */
export async function hashPassword(password: string, bcryptCost: number): Promise<string> {
  return SHA256_BCRYPT_PREFIX + (await bcrypt.hash(prehash(password), bcryptCost));
}

/**
 * Checks a password against a stored hash of either scheme. A plain bcrypt hash never matches a
 * password that bcrypt would have cut, but the comparison still runs, so that the time taken
 * does not reveal the reason.
 */
export async function verifyPassword(
  password: string,
  storedHash: string,
  bcryptCost: number,
): Promise<PasswordCheck> {
  if (storedHash.startsWith(SHA256_BCRYPT_PREFIX)) {
    const bcryptHash = storedHash.slice(SHA256_BCRYPT_PREFIX.length);
    const matches = await bcrypt.compare(prehash(password), bcryptHash);
    return { matches, needsRehash: costOf(bcryptHash) < bcryptCost };
  }

  const fitsBcrypt = !password.includes('\0') && Buffer.byteLength(password, 'utf8') <= BCRYPT_MAX_BYTES;
  const matches = (await bcrypt.compare(password, storedHash)) && fitsBcrypt;
  return { matches, needsRehash: true };
}

function prehash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}

// A bcrypt hash reads "$2b$12$…": the number between the second and third "$" is the cost.
function costOf(bcryptHash: string): number {
  return Number(bcryptHash.split('$')[2]);
}

/**
 * A hash of a random password at the configured cost. Comparing against it when the username
 * does not exist makes a login for an unknown user take as long as one with a wrong password.
 * It is computed at construction, so that the first such login is not slower than the rest.
 */
export class DummyHash {
  private readonly hash: Promise<string>;

  constructor(bcryptCost: number) {
    this.hash = hashPassword(randomBytes(16).toString('hex'), bcryptCost);
  }

  get(): Promise<string> {
    return this.hash;
  }
}
