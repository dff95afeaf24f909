import assert from 'node:assert/strict';
import { it } from 'node:test';
import type request from 'supertest';
import { fieldErrorFor, inputTagFor, valueOf } from './pages';

/**
 * Declares the checks that every form page with a rejected field must pass: the message next
 * to the field, the field marked invalid for assistive technology, and no password shown again.
 */
export function itMarksTheInvalidField(
  response: () => request.Response,
  field: string,
  message: RegExp,
  passwordFields: string[],
): void {
  it('shows the message next to the field', () => {
    assert.match(fieldErrorFor(response().text, field) ?? '', message);
  });

  it('marks the field invalid', () => {
    const tag = inputTagFor(response().text, field) ?? '';

    assert.match(tag, /aria-invalid="true"/);
    assert.match(tag, new RegExp(`aria-describedby="[^"]*\\b${field}-error\\b`));
  });

  it('never shows a password again', () => {
    for (const id of passwordFields) {
      assert.equal(valueOf(inputTagFor(response().text, id) ?? ''), undefined, id);
    }
  });
}
