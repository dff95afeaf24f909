import { CookieClient, csrfTokenIn } from '../support/http-client';

/**
 * Returns the headers that a TLS-terminating proxy in front of the server would add, because
 * the server runs as in production, behind TRUST_PROXY=true. Each simulated person gets an
 * X-Forwarded-For address of their own from the IPv6 documentation range 2001:db8::/32. The
 * per-address login limit then applies as in production without stopping a run from one machine.
 */
export function proxyHeaders(personIndex: number): Record<string, string> {
  return { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': `2001:db8::${(personIndex + 1).toString(16)}` };
}

/** A filled-in login form in an anonymous session of its own, ready to post once. */
export interface LoginForm {
  headers: Record<string, string>;
  /** The urlencoded body: the CSRF token of that session, the username and the password. */
  body: string;
}

/** A logged-in session: the headers that show the dashboard of its user. */
export interface ViewerSession {
  username: string;
  headers: Record<string, string>;
}

// Login pages requested at once while preparing forms.
const PREPARE_CONCURRENCY = 8;

/**
 * Opens one anonymous session per username (GET /login, keeping its cookies and the form's
 * CSRF token) and fills in the login form. People are numbered from `firstPerson` on, which
 * picks their X-Forwarded-For addresses: calls with disjoint ranges never share an address.
 */
export async function prepareLoginForms(
  baseUrl: string,
  usernames: string[],
  password: string,
  firstPerson: number,
): Promise<LoginForm[]> {
  const forms: LoginForm[] = new Array(usernames.length);
  let next = 0;

  const worker = async () => {
    while (next < usernames.length) {
      const index = next++;
      forms[index] = await prepareLoginForm(baseUrl, usernames[index], password, firstPerson + index);
    }
  };
  await Promise.all(Array.from({ length: PREPARE_CONCURRENCY }, worker));

  return forms;
}

async function prepareLoginForm(baseUrl: string, username: string, password: string, person: number): Promise<LoginForm> {
  const client = new CookieClient(baseUrl, proxyHeaders(person));
  const token = await fetchLoginToken(client);

  return {
    headers: {
      ...proxyHeaders(person),
      Cookie: client.cookieHeader(),
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: token, username, password }).toString(),
  };
}

async function fetchLoginToken(client: CookieClient): Promise<string> {
  const page = await client.get('/login');
  const token = csrfTokenIn(await page.text());
  if (page.status !== 200 || token === undefined || client.cookieHeader() === '') {
    throw new Error(`GET /login returned HTTP ${page.status} without a session cookie or CSRF token`);
  }
  return token;
}

/** Logs each user in through the login form and returns the sessions, one per user. */
export async function logInViewers(
  baseUrl: string,
  usernames: string[],
  password: string,
  firstPerson: number,
): Promise<ViewerSession[]> {
  const sessions: ViewerSession[] = [];

  for (const [index, username] of usernames.entries()) {
    const client = new CookieClient(baseUrl, proxyHeaders(firstPerson + index));
    const token = await fetchLoginToken(client);
    const response = await client.postForm('/login', { _csrf: token, username, password });
    await response.arrayBuffer();
    if (response.status !== 303 || response.headers.get('location') !== '/dashboard') {
      throw new Error(`logging in ${username} returned HTTP ${response.status} to ${response.headers.get('location')}`);
    }
    sessions.push({ username, headers: { ...proxyHeaders(firstPerson + index), Cookie: client.cookieHeader() } });
  }

  return sessions;
}
