import type request from 'supertest';

/** A flash message as the page renders it. */
export interface RenderedFlash {
  classes: string[];
  role: string;
  text: string;
}

/** A form on a page, with its method, action and inner markup. */
export interface RenderedForm {
  method: string;
  action: string;
  content: string;
}

/** Returns every element whose class list contains "flash", in page order. */
export function flashElementsIn(html: string): RenderedFlash[] {
  const elements = html.matchAll(/<(\w+)\s+class="([^"]*\bflash\b[^"]*)"\s+role="([^"]*)">([^<]*)<\/\1>/g);
  return [...elements].map((match) => ({
    classes: match[2].split(/\s+/),
    role: match[3],
    text: decodeEntities(match[4]),
  }));
}

/** Returns every form on a page. */
export function formsIn(html: string): RenderedForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((match) => ({
    method: attributeValue(match[1], 'method') ?? '',
    action: attributeValue(match[1], 'action') ?? '',
    content: match[2],
  }));
}

/** Returns the decoded value of the hidden input with this name, or undefined without one. */
export function hiddenFieldValue(html: string, name: string): string | undefined {
  const pattern = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`);
  const match = pattern.exec(html);
  return match ? decodeEntities(match[1]) : undefined;
}

/**
 * Returns the datetime attribute of the <time> in the <dd> that follows <dt>term</dt>, or
 * undefined when that <dd> contains no <time>.
 */
export function timeForTerm(html: string, term: string): string | undefined {
  const pattern = new RegExp(`<dt>${term}</dt>\\s*<dd><time datetime="([^"]+)">`);
  return pattern.exec(html)?.[1];
}

/** Returns the text of the <dd> that follows <dt>term</dt>, or undefined without that term. */
export function definitionForTerm(html: string, term: string): string | undefined {
  const pattern = new RegExp(`<dt>${term}</dt>\\s*<dd>([\\s\\S]*?)</dd>`);
  return pattern.exec(html)?.[1];
}

/**
 * Returns the session cookies that a response sets (the "sid" value and its "sid.sig" signature)
 * as one Cookie request header, or undefined when the response sets no session.
 */
export function sessionCookieHeader(response: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const pairs = cookies
    .map((cookie) => cookie.split(';')[0])
    .filter((pair) => pair.startsWith('sid=') || pair.startsWith('sid.sig='));
  return pairs.length === 2 ? pairs.join('; ') : undefined;
}

function attributeValue(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}="([^"]*)"`).exec(attributes);
  return match ? decodeEntities(match[1]) : undefined;
}

// Nunjucks 3.2 autoescaping produces only these six entities.
function decodeEntities(text: string): string {
  return text
    .replaceAll('&#92;', '\\')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

/** Returns the opening tag of the input with this id, or undefined when there is none. */
export function inputTagFor(html: string, id: string): string | undefined {
  return new RegExp(`<input id="${id}"[^>]*>`).exec(html)?.[0];
}

/** Returns the decoded text of the error shown under the field with this id, or undefined. */
export function fieldErrorFor(html: string, id: string): string | undefined {
  const match = new RegExp(`<p id="${id}-error" class="field-error">([^<]*)</p>`).exec(html);
  return match ? decodeEntities(match[1]) : undefined;
}

/** Returns the decoded value attribute of an input tag, or undefined when it has none. */
export function valueOf(inputTag: string): string | undefined {
  return attributeValue(inputTag, 'value');
}
