import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths';
import { MAX_PASSWORD_LENGTH } from './passwords';

const COMMON_PASSWORDS_FILE = path.join(PROJECT_ROOT, 'data', 'common-passwords.txt');

let commonPasswords: Set<string> | undefined;

/** Loads the shipped list of common passwords once; entries are lower-case. */
function loadCommonPasswords(): Set<string> {
  commonPasswords ??= new Set(
    readFileSync(COMMON_PASSWORDS_FILE, 'utf8')
      .split('\n')
      .filter((line) => line !== ''),
  );
  return commonPasswords;
}

/**
 * Returns why a new password is unacceptable, or undefined when it may be used. Length counts
 * characters (code points), so every script is treated alike.
 */
export function checkNewPassword(password: string, minLength: number, username?: string): string | undefined {
  const length = [...password].length;

  if (length < minLength) {
    return `Password must be at least ${minLength} characters long.`;
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return `Password must be at most ${MAX_PASSWORD_LENGTH} characters long.`;
  }
  if (password.trim() === '') {
    return 'Password must contain something other than spaces.';
  }
  if (!password.isWellFormed()) {
    return 'Password contains invalid characters (a broken Unicode surrogate pair).';
  }
  if (username !== undefined && comparable(password) === comparable(username)) {
    return 'Password must not be the same as the username.';
  }
  if (loadCommonPasswords().has(password.toLowerCase())) {
    return 'This password is one of the most common passwords. Choose one that is harder to guess.';
  }

  return undefined;
}

// A password equal to the username in another case, width or padding ("ＤａｖｅＰａｓｓ", " davepass ")
// is no stronger than the username itself.
function comparable(text: string): string {
  return text.normalize('NFKC').trim().toLowerCase();
}
