const CSRF_FIELD = /name="_csrf" value="([^"]+)"/;

/** Returns the value of a page's hidden _csrf field, or undefined when the page has none. */
export function csrfTokenIn(html: string): string | undefined {
  return CSRF_FIELD.exec(html)?.[1];
}

/**
 * An HTTP client that keeps the cookies the server sets, as a browser does, and does not follow
 * redirects, so that callers see where each response leads.
 */
export class CookieClient {
  private readonly cookies = new Map<string, string>();

  /** `defaultHeaders` go with every request, e.g. the X-Forwarded-Proto of a proxy in front. */
  constructor(
    private readonly baseUrl: string,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {}

  async get(path: string): Promise<Response> {
    const response = await fetch(this.baseUrl + path, { headers: this.headers(), redirect: 'manual' });
    this.keepCookies(response);
    return response;
  }

  async postForm(path: string, fields: Record<string, string>): Promise<Response> {
    const response = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: { ...this.headers(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    this.keepCookies(response);
    return response;
  }

  /** Returns the Cookie header value that the next request will send. */
  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private headers(): Record<string, string> {
    const cookie = this.cookieHeader();
    return cookie ? { ...this.defaultHeaders, Cookie: cookie } : { ...this.defaultHeaders };
  }

  private keepCookies(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [name, value] = header.split(';')[0].split('=');
      this.cookies.set(name, value);
    }
  }
}
