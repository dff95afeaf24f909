import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidUsernameError } from '../../src/users/user-errors';
import { MAX_USERNAME_LENGTH, parseUsername } from '../../src/users/username';

describe('parseUsername', () => {
  describe('with a valid username', () => {
    const cases: { name: string; input: string; display: string; id: string }[] = [
      { name: 'plain lower case', input: 'alice', display: 'alice', id: 'alice' },
      { name: 'mixed case', input: 'Alice', display: 'Alice', id: 'alice' },
      { name: 'surrounding spaces', input: '  Alice  ', display: 'Alice', id: 'alice' },
      { name: 'surrounding newline and tab', input: '\n\tbob\t\n', display: 'bob', id: 'bob' },
      { name: 'no-break and ideographic spaces', input: '\u00a0bob\u3000', display: 'bob', id: 'bob' },
      { name: 'leading byte order mark', input: '\ufeffbob', display: 'bob', id: 'bob' },
      { name: 'full-width letters', input: 'Ａｌｉｃｅ', display: 'Alice', id: 'alice' },
      { name: 'full-width underscore', input: 'ＡＢＣ＿', display: 'ABC_', id: 'abc_' },
      { name: 'ligature', input: 'ﬁle', display: 'file', id: 'file' },
      { name: 'Kelvin sign', input: '\u212a', display: 'K', id: 'k' },
      { name: 'decomposed accent', input: 'Jose\u0301', display: 'José', id: 'josé' },
      { name: 'Cyrillic', input: 'Пётр', display: 'Пётр', id: 'пётр' },
      { name: 'Greek', input: 'Σωκράτης', display: 'Σωκράτης', id: 'σωκράτης' },
      { name: 'Chinese', input: '用户', display: '用户', id: '用户' },
      { name: 'Arabic-Indic digits', input: '١٢٣', display: '١٢٣', id: '١٢٣' },
      { name: 'Spanish accents', input: 'Ñandú', display: 'Ñandú', id: 'ñandú' },
      { name: 'e-mail address', input: 'Ann@Example.com', display: 'Ann@Example.com', id: 'ann@example.com' },
      { name: 'allowed punctuation', input: 'a_b-c.d+e', display: 'a_b-c.d+e', id: 'a_b-c.d+e' },
      { name: 'dots inside', input: 'a..b', display: 'a..b', id: 'a..b' },
      {
        name: 'exactly 64 characters',
        input: 'A'.repeat(MAX_USERNAME_LENGTH),
        display: 'A'.repeat(MAX_USERNAME_LENGTH),
        id: 'a'.repeat(MAX_USERNAME_LENGTH),
      },
      {
        name: '64 characters outside the BMP',
        input: '\u{10400}'.repeat(MAX_USERNAME_LENGTH),
        display: '\u{10400}'.repeat(MAX_USERNAME_LENGTH),
        id: '\u{10428}'.repeat(MAX_USERNAME_LENGTH),
      },
      {
        name: '64 characters with spaces around',
        input: ` ${'b'.repeat(MAX_USERNAME_LENGTH)} `,
        display: 'b'.repeat(MAX_USERNAME_LENGTH),
        id: 'b'.repeat(MAX_USERNAME_LENGTH),
      },
    ];

    for (const { name, input, display, id } of cases) {
      it(`accepts ${name}`, () => {
        const username = parseUsername(input);

        assert.equal(username.display, display);
        assert.equal(username.id, id);
      });
    }

    it('gives look-alikes one id', () => {
      const ids = ['alice', 'ALICE', ' Alice ', 'Ａｌｉｃｅ', 'ａｌｉｃｅ'].map((input) => parseUsername(input).id);

      assert.deepEqual(new Set(ids), new Set(['alice']));
    });
  });

  describe('with an invalid username', () => {
    const cases: { name: string; input: unknown }[] = [
      { name: 'empty string', input: '' },
      { name: 'two underscores only', input: '__' },
      { name: 'leading hyphen', input: '-rf' },
      { name: 'leading dot', input: '.alice' },
      { name: 'lone combining accent', input: '\u0301' },
      { name: 'spaces only', input: '   ' },
      { name: 'whitespace only', input: '\t\n\r ' },
      { name: 'ideographic space only', input: '\u3000' },
      { name: '65 characters', input: 'a'.repeat(MAX_USERNAME_LENGTH + 1) },
      { name: '65 characters outside the BMP', input: '\u{10400}'.repeat(MAX_USERNAME_LENGTH + 1) },
      { name: '33 ligatures expanding to 66', input: 'ﬁ'.repeat(33) },
      { name: 'slash at the start', input: '/alice' },
      { name: 'slash inside', input: 'ali/ce' },
      { name: 'slash at the end', input: 'alice/' },
      { name: 'slash only', input: '/' },
      { name: 'full-width slash', input: 'a／b' },
      { name: 'backslash', input: 'a\\b' },
      { name: 'NUL inside', input: 'ali\u0000ce' },
      { name: 'NUL at the end', input: 'alice\u0000' },
      { name: 'newline inside', input: 'ali\nce' },
      { name: 'tab inside', input: 'ali\tce' },
      { name: 'carriage return inside', input: 'ali\rce' },
      { name: 'DEL inside', input: 'ali\u007fce' },
      { name: 'escape inside', input: 'ali\u001bce' },
      { name: 'C1 control inside', input: 'ali\u0085ce' },
      { name: 'zero-width space inside', input: 'ali\u200bce' },
      { name: 'zero-width space at the end', input: 'alice\u200b' },
      { name: 'zero-width joiner inside', input: 'ali\u200dce' },
      { name: 'right-to-left override', input: '\u202ealice' },
      { name: 'byte order mark inside', input: 'ali\ufeffce' },
      { name: 'soft hyphen', input: 'ali\u00adce' },
      { name: 'single dot', input: '.' },
      { name: 'two dots', input: '..' },
      { name: 'two dots with spaces', input: ' .. ' },
      { name: 'reserved __x__', input: '__x__' },
      { name: 'reserved __X__', input: '__X__' },
      { name: 'reserved four underscores', input: '____' },
      { name: 'space inside', input: 'alice smith' },
      { name: 'no-break space inside', input: 'alice\u00a0smith' },
      { name: 'quote', input: 'o"neil' },
      { name: 'angle brackets', input: '<script>' },
      { name: 'Hangul filler', input: '\u3164' },
      { name: 'halfwidth Hangul filler', input: 'a\uFFA0' },
      { name: 'Hangul jungseong filler', input: '\u1160\u1160' },
      { name: 'undefined', input: undefined },
      { name: 'null', input: null },
      { name: 'number', input: 42 },
      { name: 'array of a string', input: ['a'] },
      { name: 'object', input: {} },
      { name: 'String object', input: new String('alice') },
    ];

    for (const { name, input } of cases) {
      it(`rejects ${name}`, () => {
        assert.throws(() => parseUsername(input), InvalidUsernameError);
      });
    }

    it('names the length limit', () => {
      assert.throws(() => parseUsername('a'.repeat(MAX_USERNAME_LENGTH + 1)), /longer than 64 characters/);
    });

    it('marks the error as HTTP 400', () => {
      const error = captureError(() => parseUsername('a/b'));

      assert.ok(error instanceof InvalidUsernameError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'invalid_username');
    });
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}
