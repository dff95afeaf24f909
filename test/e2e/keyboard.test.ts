import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { addUser } from '../support/test-app';
import { useTestApp } from './support/app';
import { useBrowser } from './support/browser';
import { headingOf, logIn, pathOf, waitForLoadAfter } from './support/pages';

const PASSWORD = 'correct horse battery';

// The login page's controls in the order Tab reaches them from the top of the page.
const LOGIN_TAB_ORDER = [
  'link "Skip to content"',
  'input username',
  'input password',
  'input remember',
  'button "Sign in"',
];

/** The focus indicator of an element as computed styles describe it. */
interface FocusStyle {
  outline: string;
  boxShadow: string;
}

describe('keyboard use', () => {
  const browser = useBrowser();
  const app = useTestApp((running) => addUser(running.users, 'alice', PASSWORD));

  async function openPage(path: string): Promise<Page> {
    const { page } = await browser.openTab(app().baseUrl);
    await page.goto(path);
    return page;
  }

  describe('on the login page', () => {
    it('tabs through controls in order', async () => {
      const page = await openPage('/login');
      const reached: string[] = [];

      for (let step = 0; step < LOGIN_TAB_ORDER.length; step++) {
        await page.keyboard.press('Tab');
        reached.push(await describeFocusedElement(page));
      }

      assert.deepEqual(reached, LOGIN_TAB_ORDER);
    });

    it('submits with Enter', async () => {
      const page = await openPage('/login');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.type('alice');
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);

      await waitForLoadAfter(page, () => page.keyboard.press('Enter'));

      assert.equal(pathOf(page), '/dashboard');
      assert.equal(await headingOf(page), 'Welcome, alice');
    });

    it('toggles remember me with Space', async () => {
      const page = await openPage('/login');
      await tabTo(page, 'input remember');

      await page.keyboard.press('Space');

      assert.equal(await page.getByLabel('Remember me for 30 days').isChecked(), true);
    });

    for (const control of LOGIN_TAB_ORDER) {
      it(`shows focus on ${control}`, async () => {
        const page = await openPage('/login');
        await tabTo(page, control);
        const element = await page.evaluateHandle(() => document.activeElement ?? document.body);
        const focused = await element.evaluate(readFocusStyle);
        const isFocusVisible = await element.evaluate((target) => target.matches(':focus-visible'));

        await element.evaluate((target) => (target as HTMLElement).blur());
        const unfocused = await element.evaluate(readFocusStyle);

        assert.equal(isFocusVisible, true);
        assert.notDeepEqual(focused, unfocused);
      });
    }

    it('shows the skip link when focused', async () => {
      const page = await openPage('/login');
      const skipLink = page.getByRole('link', { name: 'Skip to content' });
      const hiddenBox = await skipLink.boundingBox();

      await page.keyboard.press('Tab');

      const shownBox = await skipLink.boundingBox();
      assert.ok(hiddenBox, 'the unfocused skip link has no box');
      assert.ok(hiddenBox.x + hiddenBox.width <= 0, `unfocused box: ${JSON.stringify(hiddenBox)}`);
      assert.ok(shownBox, 'the focused skip link has no box');
      assert.ok(shownBox.x >= 0, `focused box: ${JSON.stringify(shownBox)}`);
      assert.ok(shownBox.y >= 0, `focused box: ${JSON.stringify(shownBox)}`);
    });
  });

  describe('on a logged-in page', () => {
    it('skips the header with the skip link', async () => {
      const { page } = await browser.openTab(app().baseUrl);
      await logIn(page, 'alice', PASSWORD);
      await page.goto('/logout');
      await page.keyboard.press('Tab');

      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');

      assert.equal(new URL(page.url()).hash, '#main');
      assert.equal(await describeFocusedElement(page), 'button "Log out"');
      assert.equal(await page.evaluate(() => document.activeElement?.closest('main') !== null), true);
    });
  });
});

/** Presses Tab until the described control has focus; fails if the page runs out of controls. */
async function tabTo(page: Page, control: string): Promise<void> {
  for (let step = 0; step < LOGIN_TAB_ORDER.length + 5; step++) {
    await page.keyboard.press('Tab');
    if ((await describeFocusedElement(page)) === control) {
      return;
    }
  }
  throw new Error(`Tab never reached ${control}`);
}

/** Describes the focused element as `link "text"`, `button "text"` or `input name`. */
async function describeFocusedElement(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) {
      return 'nothing';
    }

    const tag = element.tagName.toLowerCase();
    if (tag === 'a') {
      return `link "${element.textContent?.trim()}"`;
    }
    if (tag === 'button') {
      return `button "${element.textContent?.trim()}"`;
    }
    return `${tag} ${element.getAttribute('name') ?? element.id}`;
  });
}

function readFocusStyle(element: Element): FocusStyle {
  const style = getComputedStyle(element);
  return {
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    boxShadow: style.boxShadow,
  };
}
