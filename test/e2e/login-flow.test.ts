import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { MESSAGES } from '../../src/web/messages';
import { addUser } from '../support/test-app';
import { useTestApp } from './support/app';
import { useBrowser } from './support/browser';
import {
  accountNavigation,
  headingOf,
  logIn,
  logOutFromHeader,
  pathOf,
  submitLogin,
  visibleFlashes,
  waitForLoadAfter,
} from './support/pages';

const PASSWORD = 'correct horse battery';
const WRONG_PASSWORD = 'not the password';

describe('login in the browser', () => {
  const browser = useBrowser();
  const app = useTestApp(async (running) => {
    await addUser(running.users, 'alice', PASSWORD);
    await addUser(running.users, 'dora', PASSWORD, 'disabled');
  });

  async function openLoginPage(path = '/login'): Promise<Page> {
    const { page } = await browser.openTab(app().baseUrl);
    await page.goto(path);
    return page;
  }

  describe('with the right password', () => {
    it('opens the dashboard', async () => {
      const page = await openLoginPage();

      await submitLogin(page, 'alice', PASSWORD);

      assert.equal(pathOf(page), '/dashboard');
      assert.equal(await headingOf(page), 'Welcome, alice');
      assert.match((await accountNavigation(page).textContent()) ?? '', /Signed in as\s+alice/);
    });

    it('flashes success after logout', async () => {
      const page = await openLoginPage();
      await submitLogin(page, 'alice', PASSWORD);

      await logOutFromHeader(page);

      assert.equal(pathOf(page), '/login');
      assert.deepEqual(await visibleFlashes(page), [
        { category: 'success', role: 'status', text: MESSAGES.loggedOut },
      ]);
      assert.equal(await accountNavigation(page).count(), 0);
    });

    it('logs out through the confirmation page', async () => {
      const page = await openLoginPage();
      await submitLogin(page, 'alice', PASSWORD);
      await page.goto('/logout');

      await waitForLoadAfter(page, () => page.getByRole('main').getByRole('button', { name: 'Log out' }).click());

      assert.equal(pathOf(page), '/login');
      assert.deepEqual(await visibleFlashes(page), [
        { category: 'success', role: 'status', text: MESSAGES.loggedOut },
      ]);
    });
  });

  describe('with a wrong password', () => {
    it('flashes an error alert', async () => {
      const page = await openLoginPage();

      await submitLogin(page, 'alice', WRONG_PASSWORD);

      assert.equal(pathOf(page), '/login');
      assert.deepEqual(await visibleFlashes(page), [
        { category: 'error', role: 'alert', text: MESSAGES.loginIncorrect },
      ]);
    });

    it('keeps the typed username', async () => {
      const page = await openLoginPage();

      await submitLogin(page, 'Alice', WRONG_PASSWORD);

      assert.equal(await page.getByLabel('Username').inputValue(), 'Alice');
    });

    it('empties the password field', async () => {
      const page = await openLoginPage();

      await submitLogin(page, 'alice', WRONG_PASSWORD);

      assert.equal(await page.getByLabel('Password').inputValue(), '');
      assert.equal(await page.getByLabel('Password').getAttribute('value'), null);
    });

    it('drops the flash on reload', async () => {
      const page = await openLoginPage();
      await submitLogin(page, 'alice', WRONG_PASSWORD);

      await page.reload();

      assert.deepEqual(await visibleFlashes(page), []);
    });
  });

  describe('with a disabled account', () => {
    it('flashes that it is inactive', async () => {
      const page = await openLoginPage();

      await submitLogin(page, 'dora', PASSWORD);

      assert.equal(pathOf(page), '/login');
      assert.deepEqual(await visibleFlashes(page), [
        { category: 'error', role: 'alert', text: MESSAGES.accountInactive },
      ]);
    });
  });

  describe('through next', () => {
    it('asks to log in first', async () => {
      const { page } = await browser.openTab(app().baseUrl);

      await page.goto('/dashboard?tab=x');

      assert.equal(pathOf(page), '/login');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/dashboard?tab=x');
      assert.deepEqual(await visibleFlashes(page), [
        { category: 'info', role: 'status', text: MESSAGES.loginRequired },
      ]);
    });

    it('returns to the requested page', async () => {
      const { page } = await browser.openTab(app().baseUrl);
      await page.goto('/dashboard?tab=x');

      await submitLogin(page, 'alice', PASSWORD);

      const landing = new URL(page.url());
      assert.equal(landing.pathname, '/dashboard');
      assert.equal(landing.search, '?tab=x');
    });

    it('keeps next after a wrong password', async () => {
      const { page } = await browser.openTab(app().baseUrl);
      await page.goto('/dashboard?tab=x');
      await submitLogin(page, 'alice', WRONG_PASSWORD);

      await submitLogin(page, 'alice', PASSWORD);

      assert.equal(new URL(page.url()).search, '?tab=x');
    });

    for (const unsafeNext of ['//evil.example', '/\\evil.example', 'https://evil.example/']) {
      it(`ignores ${unsafeNext}`, async () => {
        const page = await openLoginPage(`/login?next=${encodeURIComponent(unsafeNext)}`);

        await submitLogin(page, 'alice', PASSWORD);

        assert.equal(page.url(), `${app().baseUrl}/dashboard`);
      });
    }
  });

  describe('after logout', () => {
    it('sends no-store with the dashboard', async () => {
      const page = await openLoginPage();

      const [dashboard] = await Promise.all([
        page.waitForResponse((response) => new URL(response.url()).pathname === '/dashboard'),
        submitLogin(page, 'alice', PASSWORD),
      ]);

      assert.equal(dashboard.status(), 200);
      assert.equal(await dashboard.headerValue('cache-control'), 'no-store');
    });

    it('hides the dashboard from Back', async () => {
      const { page } = await browser.openTab(app().baseUrl);
      await logIn(page, 'alice', PASSWORD);
      await logOutFromHeader(page);

      await page.goBack();

      assert.equal(pathOf(page), '/login');
      assert.notEqual(await headingOf(page), 'Welcome, alice');
      assert.equal(await page.getByText('Welcome, alice').count(), 0);
    });
  });
});
