import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeRedirectPath } from '../../src/auth/safe-redirect';

describe('safeRedirectPath', () => {
  describe('with a safe local path', () => {
    const safePaths = [
      '/',
      '/dashboard',
      '/a/b?c=d',
      '/search?q=hello%20world',
      '/x#frag',
      '/dashboard?tab=security#keys',
      '/javascript:alert(1)',
      '/a?next=%2F%2Fevil.com',
      '/caf%C3%A9',
      '/a:b@c',
      '/' + 'a'.repeat(2047),
    ];

    for (const path of safePaths) {
      it(`keeps ${JSON.stringify(path.slice(0, 40))}`, () => {
        assert.equal(safeRedirectPath(path), path);
      });
    }
  });

  describe('with a hostile or invalid value', () => {
    const cases: { name: string; value: unknown }[] = [
      { name: 'protocol-relative URL', value: '//evil.com' },
      { name: 'three slashes', value: '///evil.com' },
      { name: 'slash then backslash', value: '/\\evil.com' },
      { name: 'two backslashes', value: '\\\\evil.com' },
      { name: 'backslash then slash', value: '\\/evil.com' },
      { name: 'backslash later in the path', value: '/a\\b' },
      { name: 'encoded slash after slash', value: '/%2F/evil.com' },
      { name: 'two encoded lower-case slashes', value: '/%2f%2fevil.com' },
      { name: 'only encoded slashes', value: '%2F%2Fevil.com' },
      { name: 'encoded backslash', value: '/%5Cevil.com' },
      { name: 'double-encoded backslashes', value: '/%255C%255Cevil' },
      { name: 'double-encoded slash', value: '/%252F/evil.com' },
      { name: 'triple-encoded slash', value: '/%25252F/evil.com' },
      { name: 'encoding nested four times', value: '/%2525252F/evil.com' },
      { name: 'https URL', value: 'https://evil.com' },
      { name: 'upper-case HTTP URL', value: 'HTTP://evil.com' },
      { name: 'scheme without slashes', value: 'https:evil.com' },
      { name: 'javascript URL', value: 'javascript:alert(1)' },
      { name: 'data URL', value: 'data:text/html,x' },
      { name: 'raw tab between slashes', value: '/\t/evil.com' },
      { name: 'raw newline between slashes', value: '/\n/evil.com' },
      { name: 'raw carriage return between slashes', value: '/\r/evil.com' },
      { name: 'raw space', value: '/ /evil.com' },
      { name: 'raw no-break space', value: '/\u00a0x' },
      { name: 'raw line separator', value: '/\u2028x' },
      { name: 'raw NUL', value: '/x\u0000' },
      { name: 'raw zero-width space', value: '/\u200b/evil.com' },
      { name: 'leading space', value: ' /dashboard' },
      { name: 'encoded tab', value: '/%09/evil.com' },
      { name: 'encoded newline', value: '/%0a/evil.com' },
      { name: 'encoded carriage return', value: '/%0d/evil.com' },
      { name: 'encoded NUL', value: '/x%00' },
      { name: 'encoded DEL', value: '/x%7F' },
      { name: 'double-encoded tab', value: '/%2509/evil.com' },
      { name: 'encoded zero-width space', value: '/%E2%80%8B' },
      { name: 'encoded right-to-left override', value: '/%E2%80%AEx' },
      { name: 'invalid percent escape', value: '/%zz' },
      { name: 'lone percent sign', value: '/%' },
      { name: 'truncated percent escape', value: '/%2' },
      { name: 'invalid UTF-8 escape', value: '/%C3' },
      { name: 'empty string', value: '' },
      { name: 'relative path', value: 'dashboard' },
      { name: 'dot-relative path', value: './dashboard' },
      { name: 'query only', value: '?next=/x' },
      { name: 'fragment only', value: '#x' },
      { name: 'undefined', value: undefined },
      { name: 'null', value: null },
      { name: 'number', value: 42 },
      { name: 'array of a path', value: ['/x'] },
      { name: 'object', value: {} },
      { name: 'String object', value: new String('/x') },
      { name: 'path over 2048 characters', value: '/' + 'a'.repeat(2048) },
    ];

    for (const { name, value } of cases) {
      it(`rejects ${name}`, () => {
        assert.equal(safeRedirectPath(value), undefined);
      });
    }
  });
});
