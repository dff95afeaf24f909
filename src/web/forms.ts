import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error';
import { MESSAGES } from './messages';

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Field names that the forms of this app use: plain identifiers, never "a[b]", "a[]" or "__proto__".
const PLAIN_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$|^_csrf$/;

/** Rejects request bodies that are not URL-encoded forms (JSON, multipart) with 415. */
export async function requireFormEncoding(ctx: Context, next: Next): Promise<void> {
  const hasBody = METHODS_WITH_BODY.has(ctx.method) && ctx.request.length !== 0;

  if (hasBody && !ctx.request.is(FORM_CONTENT_TYPE)) {
    throw new AppError(
      'unsupported_media_type',
      415,
      `Forms must be sent as ${FORM_CONTENT_TYPE}. ${MESSAGES.malformedForm}`,
    );
  }

  await next();
}

export class MalformedFormError extends AppError {
  override readonly name = 'MalformedFormError';

  constructor(reason: string) {
    super('malformed_form', 400, `${MESSAGES.malformedForm} (${reason})`);
  }
}

/**
 * Returns the submitted form as plain strings. Throws MalformedFormError for a repeated field or
 * a nested one ("password[x]", "username[]", "__proto__"), which no form of this app sends.
 */
export function readPlainForm(ctx: Context): Record<string, string> {
  const rawBody = (ctx.request as { rawBody?: string }).rawBody ?? '';
  const form: Record<string, string> = Object.create(null);

  for (const [name, value] of new URLSearchParams(rawBody)) {
    if (!PLAIN_FIELD_NAME.test(name)) {
      throw new MalformedFormError(`unexpected field name "${name.slice(0, 40)}"`);
    }
    if (name in form) {
      throw new MalformedFormError(`the field "${name}" was sent twice`);
    }
    form[name] = value;
  }

  return form;
}
