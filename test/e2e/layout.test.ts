import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { useTestApp } from './support/app';
import { useBrowser } from './support/browser';
import { addVisitors, MAX_LENGTH_USERNAME, PAGE_VISITS } from './support/page-visits';

const STYLESHEET_PATH = '/static/style.css';
const ICON_PATH = '/static/favicon.svg';

// The narrowest phone screens in common use are 320 CSS pixels wide.
const NARROWEST_VIEWPORT = { width: 320, height: 640 };

describe('layout and styles', () => {
  const browser = useBrowser();
  const app = useTestApp(addVisitors);

  describe('at 320 px wide', () => {
    for (const visit of PAGE_VISITS) {
      it(`fits ${visit.name} without horizontal scroll`, async () => {
        const { page } = await browser.openTab(app().baseUrl, { viewport: NARROWEST_VIEWPORT });
        await visit.open(page, MAX_LENGTH_USERNAME);

        const widths = await page.evaluate(() => ({
          content: document.documentElement.scrollWidth,
          viewport: document.documentElement.clientWidth,
        }));

        assert.ok(widths.content <= widths.viewport, `content ${widths.content} px, viewport ${widths.viewport} px`);
      });
    }
  });

  describe('every page', () => {
    for (const visit of PAGE_VISITS) {
      it(`has no inline style or script on ${visit.name}`, async () => {
        const { page } = await browser.openTab(app().baseUrl);
        await visit.open(page);

        assert.equal(await page.locator('script').count(), 0, 'script elements');
        assert.equal(await page.locator('style').count(), 0, 'style elements');
        assert.equal(await page.locator('[style]').count(), 0, 'style attributes');
      });

      it(`loads the stylesheet on ${visit.name}`, async () => {
        const { page } = await browser.openTab(app().baseUrl);
        await visit.open(page);

        const sheets = await page.evaluate(() => [...document.styleSheets].map((sheet) => sheet.href));
        assert.deepEqual(sheets, [`${app().baseUrl}${STYLESHEET_PATH}`]);
      });
    }
  });

  describe('the stylesheet', () => {
    it('arrives with a max-age', async () => {
      const { page } = await browser.openTab(app().baseUrl);

      const [response] = await Promise.all([
        page.waitForResponse((candidate) => new URL(candidate.url()).pathname === STYLESHEET_PATH),
        page.goto('/login'),
      ]);

      assert.equal(response.status(), 200);
      assert.match((await response.headerValue('content-type')) ?? '', /^text\/css/);
      assert.match((await response.headerValue('cache-control')) ?? '', /max-age=[1-9]\d*/);
    });

    it('is fetched once across pages', async () => {
      const { page } = await browser.openTab(app().baseUrl);
      let stylesheetRequests = 0;
      const countRequest = (request: { url?: string }) => {
        stylesheetRequests += request.url === STYLESHEET_PATH ? 1 : 0;
      };
      app().server.on('request', countRequest);

      try {
        await page.goto('/login');
        await page.goto('/no-such-page');
        await page.goto('/login');
      } finally {
        app().server.off('request', countRequest);
      }

      assert.equal(stylesheetRequests, 1);
    });
  });

  describe('the icon', () => {
    it('is served as SVG', async () => {
      const { context } = await browser.openTab(app().baseUrl);

      const response = await context.request.get(ICON_PATH);

      assert.equal(response.status(), 200);
      assert.match(response.headers()['content-type'] ?? '', /^image\/svg\+xml/);
    });

    // Without a declared icon, browsers ask for /favicon.ico on every site and get a 404 page.
    it('stands in for /favicon.ico', { timeout: 30_000 }, async () => {
      const { page } = await browser.openTab(app().baseUrl);
      const requestedPaths: string[] = [];
      let onIconRequest = () => {};
      const iconRequested = new Promise<void>((resolve) => (onIconRequest = resolve));
      const recordRequest = (request: { url?: string }) => {
        requestedPaths.push(request.url ?? '');
        if (request.url === ICON_PATH) {
          onIconRequest();
        }
      };
      app().server.on('request', recordRequest);

      try {
        await page.goto('/login');
        await iconRequested;
      } finally {
        app().server.off('request', recordRequest);
      }

      assert.ok(!requestedPaths.includes('/favicon.ico'), `requests: ${requestedPaths.join(', ')}`);
    });
  });

  describe('colour scheme', () => {
    it('follows a dark system setting', async () => {
      const { page } = await browser.openTab(app().baseUrl);
      await page.goto('/login');
      const light = await backgroundLuminance(page);

      await page.emulateMedia({ colorScheme: 'dark' });
      const dark = await backgroundLuminance(page);

      assert.ok(light > 0.8, `light background luminance ${light}`);
      assert.ok(dark < 0.05, `dark background luminance ${dark}`);
    });
  });
});

/** Returns the WCAG relative luminance (0 for black, 1 for white) of the page background. */
async function backgroundLuminance(page: Page): Promise<number> {
  const color = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const channels = color.match(/\d+(\.\d+)?/g)?.slice(0, 3).map(Number);
  if (!channels || channels.length !== 3) {
    throw new Error(`unexpected background colour ${color}`);
  }

  const [red, green, blue] = channels.map((channel) => {
    const value = channel / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
}
