import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/paths';
import { useTestApp } from './support/app';
import { useBrowser } from './support/browser';
import { addVisitors, pageVisit } from './support/page-visits';

// The README shows these files, so each run of the browser tests refreshes them.
const SCREENSHOTS_DIR = path.join(PROJECT_ROOT, 'docs', 'screenshots');

const VIEWPORTS = {
  phone: { width: 375, height: 812 },
  desktop: { width: 1280, height: 800 },
};

const PAGES_IN_LIGHT = ['login', 'login-wrong-password', 'dashboard', 'logout', 'not-found', 'signup-invalid', 'account'];
const PAGES_IN_DARK = ['login', 'dashboard'];

// Shown in place of the real login and creation times, newest first, so that the committed images
// change only when the pages do.
const EXAMPLE_TIMES = [
  'Fri, 05 Dec 2025 09:30:12 GMT',
  'Thu, 04 Dec 2025 17:02:45 GMT',
  'Mon, 01 Dec 2025 08:15:03 GMT',
];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('screenshots', () => {
  const browser = useBrowser();
  const app = useTestApp(addVisitors);
  before(async () => {
    await mkdir(SCREENSHOTS_DIR, { recursive: true });
  });

  const shots = [
    ...PAGES_IN_LIGHT.map((name) => ({ name, colorScheme: 'light' as const })),
    ...PAGES_IN_DARK.map((name) => ({ name, colorScheme: 'dark' as const })),
  ];

  for (const { name, colorScheme } of shots) {
    for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
      const file = path.join(SCREENSHOTS_DIR, `${name}-${viewportName}-${colorScheme}.png`);

      it(`writes ${path.basename(file)}`, async () => {
        const { page } = await browser.openTab(app().baseUrl, { viewport, colorScheme });
        await pageVisit(name).open(page);
        await page.locator('time').evaluateAll((elements, times) => {
          elements.forEach((element, index) => (element.textContent = times[index % times.length]));
        }, EXAMPLE_TIMES);

        await page.screenshot({ path: file });

        const png = await readFile(file);
        assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
        assert.equal(png.readUInt32BE(16), viewport.width, 'image width');
        assert.equal(png.readUInt32BE(20), viewport.height, 'image height');
      });
    }
  }
});
