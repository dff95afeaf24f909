import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertAccessible, runAxe } from './support/accessibility';
import { useTestApp } from './support/app';
import { useBrowser } from './support/browser';
import { addVisitors, PAGE_VISITS, pageVisit } from './support/page-visits';
import { visibleFlashes } from './support/pages';

const COLOR_SCHEMES = ['light', 'dark'] as const;

describe('accessibility', () => {
  const browser = useBrowser();
  const app = useTestApp(addVisitors);

  describe('axe', () => {
    for (const visit of PAGE_VISITS) {
      for (const colorScheme of COLOR_SCHEMES) {
        it(`passes on ${visit.name} in ${colorScheme} mode`, async () => {
          const { page } = await browser.openTab(app().baseUrl, { colorScheme });
          await visit.open(page);

          await assertAccessible(page);
        });
      }
    }
  });

  // The checks above pass only if axe really inspects the page, so these break a page on purpose.
  describe('axe on a broken page', () => {
    it('reports an input without a label', async () => {
      const { page } = await browser.openTab(app().baseUrl);
      await page.goto('/login');
      await page.locator('label[for="username"]').evaluate((label) => label.remove());

      const findings = await runAxe(page);

      assert.ok(findings.violations.some((problem) => problem.rule === 'label'), JSON.stringify(findings));
    });

    it('reports text with too little contrast', async () => {
      const { page } = await browser.openTab(app().baseUrl, { colorScheme: 'dark' });
      await page.goto('/login');
      // A dark grey close to the dark card, set through the CSSOM, which the CSP allows.
      await page.locator('h1').evaluate((heading) => {
        heading.style.color = '#3a404c';
      });

      const findings = await runAxe(page);

      assert.ok(findings.violations.some((problem) => problem.rule === 'color-contrast'), JSON.stringify(findings));
    });
  });

  describe('every page', () => {
    for (const visit of PAGE_VISITS) {
      it(`sets lang on ${visit.name}`, async () => {
        const { page } = await browser.openTab(app().baseUrl);
        await visit.open(page);

        assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      });

      it(`links to main content on ${visit.name}`, async () => {
        const { page } = await browser.openTab(app().baseUrl);
        await visit.open(page);

        const skipLink = page.getByRole('link', { name: 'Skip to content' });
        assert.equal(await skipLink.getAttribute('href'), '#main');
        assert.equal(await page.locator('main#main').count(), 1);
      });
    }
  });

  describe('flash banners', () => {
    const expectedRoles = [
      { visit: 'login-wrong-password', category: 'error', role: 'alert' },
      { visit: 'login-required', category: 'info', role: 'status' },
      { visit: 'logged-out', category: 'success', role: 'status' },
    ];

    for (const { visit, category, role } of expectedRoles) {
      it(`announce ${category} with role ${role}`, async () => {
        const { page } = await browser.openTab(app().baseUrl);
        await pageVisit(visit).open(page);

        const flashes = await visibleFlashes(page);

        assert.equal(flashes.length, 1);
        assert.equal(flashes[0].category, category);
        assert.equal(flashes[0].role, role);
      });
    }
  });
});
