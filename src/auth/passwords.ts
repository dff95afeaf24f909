import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';

export const MIN_PASSWORD_LENGTH = 8;

// bcrypt reads at most 72 bytes and stops at a NUL byte, so a longer password, or one with NUL,
// would be silently cut. Such passwords are rejected when set and never match at login.
export const MAX_PASSWORD_BYTES = 72;

/** Returns why a new password is unacceptable, or undefined when it may be used. */
export function checkNewPassword(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return `Password must be at least ${MIN_PASSWORD_LENGTH} characters long.`;
  }

  if (password.includes('\0')) {
    return 'Password must not contain NUL characters.';
  }

  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return `Password must be at most ${MAX_PASSWORD_BYTES} bytes long in UTF-8.`;
  }

  return undefined;
}

/** Hashes a password with bcrypt on the libuv thread pool, off the event loop. */
export function hashPassword(password: string, bcryptCost: number): Promise<string> {
  return bcrypt.hash(password, bcryptCost);
}

/**
 * Checks a password against a bcrypt hash. Passwords that bcrypt would truncate never match,
 * but the hash is still compared so that the time taken does not reveal the reason.
 */
export async function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  const fitsBcrypt = isWithinBcryptLimits(password);
  const matches = await bcrypt.compare(password, passwordHash);

  return fitsBcrypt && matches;
}

function isWithinBcryptLimits(password: string): boolean {
  return !password.includes('\0') && Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;
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
