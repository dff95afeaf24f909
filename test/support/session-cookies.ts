import type { DocumentData, Firestore } from '@google-cloud/firestore';
import Keygrip from 'keygrip';
import type request from 'supertest';
import { SESSIONS_COLLECTION, hashToken } from '../../src/sessions/session-store';

/** Returns every Set-Cookie header line of a response. */
export function setCookieLines(response: request.Response): string[] {
  return ([] as string[]).concat(response.headers['set-cookie'] ?? []);
}

/** Returns the last Set-Cookie line for this cookie name, or undefined when none is set. */
export function setCookieLine(response: request.Response, name: string): string | undefined {
  return setCookieLines(response)
    .filter((line) => line.startsWith(`${name}=`))
    .at(-1);
}

/** Returns the value that a response sets for this cookie, or undefined when none is set. */
export function setCookieValue(response: request.Response, name: string): string | undefined {
  const line = setCookieLine(response, name);
  return line?.split(';')[0].slice(name.length + 1);
}

/** Returns the session token that a response sets in the "sid" cookie, or undefined. */
export function sessionTokenFrom(response: request.Response): string | undefined {
  const token = setCookieValue(response, 'sid');
  return token === '' ? undefined : token;
}

/** Returns the value of one attribute (such as "expires") of a Set-Cookie line, or undefined. */
export function cookieAttribute(line: string, attribute: string): string | undefined {
  const parts = line.split(';').slice(1).map((part) => part.trim());
  const match = parts.find((part) => part.toLowerCase().startsWith(`${attribute.toLowerCase()}=`));
  return match?.slice(attribute.length + 1);
}

/** Returns whether a Set-Cookie line has a flag attribute such as "httponly". */
export function hasCookieFlag(line: string, flag: string): boolean {
  return line
    .split(';')
    .slice(1)
    .some((part) => part.trim().toLowerCase() === flag.toLowerCase());
}

/**
 * Builds a Cookie request header with "sid" set to any token and "sid.sig" signed with the app's
 * keys, as koa's cookies module signs it (Keygrip with its default HMAC-SHA1).
 */
export function signedSessionCookie(sessionKeys: string[], token: string): string {
  const signature = new Keygrip(sessionKeys).sign(`sid=${token}`);
  return `sid=${token}; sid.sig=${signature}`;
}

/** Reads the session document stored for a cookie token, or undefined when there is none. */
export async function sessionDocumentFor(firestore: Firestore, token: string): Promise<DocumentData | undefined> {
  const snapshot = await firestore.collection(SESSIONS_COLLECTION).doc(hashToken(token)).get();
  return snapshot.exists ? snapshot.data() : undefined;
}

/**
 * Moves the time the user last entered the password in this session back by `ageMs`, as if
 * the login happened that long ago, so that tests of the fresh-login window need no waiting.
 */
export async function ageLastPasswordEntry(firestore: Firestore, token: string, ageMs: number): Promise<void> {
  const reference = firestore.collection(SESSIONS_COLLECTION).doc(hashToken(token));
  await reference.update({ 'data.passwordConfirmedAt': Date.now() - ageMs });
}
