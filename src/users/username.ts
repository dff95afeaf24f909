import { InvalidUsernameError } from './user-errors';

export const MAX_USERNAME_LENGTH = 64;

/** A username as typed (for display) and its normalized form (the user's document id). */
export interface Username {
  display: string;
  id: string;
}

// Letters, combining marks and digits of any script, plus the punctuation common in usernames
// and e-mail addresses. This excludes "/", whitespace and every control or format character.
const ALLOWED_CHARACTERS = /^[\p{L}\p{M}\p{N}._@+-]+$/u;

// A name that starts with punctuation or a lone combining mark reads as an option ("-rf") or
// shows as blank.
const STARTS_WITH_LETTER_OR_DIGIT = /^[\p{L}\p{N}]/u;

// Letters that render as blank space: the Hangul fillers. A name made of them shows as nothing
// at all.
const BLANK_LETTERS = /[\u115F\u1160\u3164\uFFA0]/u;

// Firestore reserves document ids that start and end with two underscores.
const RESERVED_ID = /^__.*__$/;

/**
 * Validates a username and derives its document id: NFKC-normalized, trimmed and lower-cased, so
 * that compatibility and case variants ("Ａｌｉｃｅ", " alice") name the same account. Look-alikes
 * from other scripts (a Cyrillic "а") stay distinct accounts.
 * Throws InvalidUsernameError before anything touches Firestore.
 */
export function parseUsername(input: unknown): Username {
  if (typeof input !== 'string') {
    throw new InvalidUsernameError('it must be text');
  }

  const display = input.normalize('NFKC').trim();
  const id = display.toLowerCase().normalize('NFKC');
  validateUsernameId(id, display);

  return { display, id };
}

// The length limit applies to the name as typed: lower-casing can lengthen it ("İ" becomes two
// code points).
function validateUsernameId(id: string, display: string): void {
  if (id === '') {
    throw new InvalidUsernameError('it is empty');
  }

  if ([...display].length > MAX_USERNAME_LENGTH) {
    throw new InvalidUsernameError(`it is longer than ${MAX_USERNAME_LENGTH} characters`);
  }

  if (!ALLOWED_CHARACTERS.test(id)) {
    throw new InvalidUsernameError(
      'use only letters, digits and the characters . _ @ + - (no spaces, slashes or control characters)',
    );
  }

  if (BLANK_LETTERS.test(id)) {
    throw new InvalidUsernameError('it contains a character that shows as blank space');
  }

  if (!STARTS_WITH_LETTER_OR_DIGIT.test(id)) {
    throw new InvalidUsernameError('it must start with a letter or digit');
  }

  if (id === '.' || id === '..') {
    throw new InvalidUsernameError('"." and ".." are not allowed');
  }

  if (RESERVED_ID.test(id)) {
    throw new InvalidUsernameError('names that start and end with "__" are reserved');
  }
}
