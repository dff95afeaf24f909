const MAX_REDIRECT_LENGTH = 2048;

// Percent-encoding can hide "//", "\" or control characters. Decoding this many times unwraps
// any plausible multiple encoding, and a value that still decodes further is rejected.
const MAX_DECODE_ROUNDS = 3;

// Browsers strip raw tabs and newlines from URLs, which can turn "/\t/host" into "//host", so the
// raw value may hold no whitespace at all. A decoded form may hold a plain space ("%20" in a query
// is common and harmless) but no other whitespace and no control or format character.
const UNSAFE_IN_RAW = /[\s\p{Cc}\p{Cf}]/u;
const UNSAFE_IN_DECODED = /[^\S ]|[\p{Cc}\p{Cf}]/u;

const PLACEHOLDER_ORIGIN = 'http://placeholder.invalid';

/**
 * Returns the candidate when it is a safe post-login redirect target, else undefined.
 * Safe means a local absolute path such as "/dashboard?tab=1": never "//host", "/\host", a scheme,
 * a backslash, whitespace or a control character, nor any of these hidden by percent-encoding.
 */
export function safeRedirectPath(candidate: unknown): string | undefined {
  if (typeof candidate !== 'string' || candidate.length > MAX_REDIRECT_LENGTH) {
    return undefined;
  }

  const decodedForms = decodeRepeatedly(candidate);
  if (!decodedForms || !isPlainLocalPath(candidate, UNSAFE_IN_RAW)) {
    return undefined;
  }

  if (!decodedForms.every((form) => isPlainLocalPath(form, UNSAFE_IN_DECODED))) {
    return undefined;
  }

  return staysOnThisOrigin(candidate) ? candidate : undefined;
}

/** Returns the value and each successive percent-decoding of it, or undefined if decoding fails. */
function decodeRepeatedly(value: string): string[] | undefined {
  const forms = [value];

  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const current = forms[forms.length - 1];
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (decoded === current) {
      return forms;
    }
    forms.push(decoded);
  }

  return undefined;
}

function isPlainLocalPath(path: string, unsafeCharacters: RegExp): boolean {
  return (
    path.startsWith('/') &&
    !path.startsWith('//') &&
    !path.includes('\\') &&
    !unsafeCharacters.test(path)
  );
}

// A final check with the WHATWG URL parser, which browsers share: resolved against any origin,
// the path must stay on that origin.
function staysOnThisOrigin(path: string): boolean {
  try {
    return new URL(path, PLACEHOLDER_ORIGIN).origin === PLACEHOLDER_ORIGIN;
  } catch {
    return false;
  }
}
