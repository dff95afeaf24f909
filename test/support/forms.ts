import type request from 'supertest';

type Agent = ReturnType<typeof request.agent>;

/** Extracts the value of the hidden _csrf field from a rendered page. */
export function csrfTokenFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) {
    throw new Error('the page has no _csrf field');
  }
  return match[1];
}

/** Loads a page with a form and returns its CSRF token, as a browser would before posting. */
export async function fetchCsrfToken(agent: Agent, path = '/login'): Promise<string> {
  const response = await agent.get(path);
  return csrfTokenFrom(response.text);
}

/** Posts the login form the way a browser does: token from the page, fields as a urlencoded body. */
export async function logIn(agent: Agent, fields: Record<string, string>, loginPath = '/login') {
  const token = await fetchCsrfToken(agent, loginPath);
  return agent.post('/login').type('form').send({ _csrf: token, ...fields });
}

/** Returns the text of the flash messages on a page, in order. */
export function flashesIn(html: string): string[] {
  return [...html.matchAll(/<div class="flash flash-\w+" role="\w+">([^<]*)<\/div>/g)].map((match) => match[1]);
}

/** Loads the page at `pagePath` and posts its form to `action` with the page's CSRF token. */
export async function submitForm(agent: Agent, pagePath: string, action: string, fields: Record<string, string>) {
  const token = await fetchCsrfToken(agent, pagePath);
  return agent.post(action).type('form').send({ _csrf: token, ...fields });
}
