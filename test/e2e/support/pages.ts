import type { Locator, Page } from 'playwright-core';

/** A flash banner as the browser shows it. */
export interface VisibleFlash {
  category: string;
  role: string;
  text: string;
}

/** Runs an action that loads a new document (a click, a key press) and waits for its load event. */
export async function waitForLoadAfter(page: Page, action: () => Promise<unknown>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), action()]);
}

/** Fills the login form on the current page and submits it with the Sign in button. */
export async function submitLogin(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await waitForLoadAfter(page, () => page.getByRole('button', { name: 'Sign in' }).click());
}

/** Opens /login, signs in and waits for the dashboard. */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await submitLogin(page, username, password);
  if (pathOf(page) !== '/dashboard') {
    throw new Error(`the login as ${username} landed on ${page.url()}, not on /dashboard`);
  }
}

/** Presses the Log out button in the page header. */
export async function logOutFromHeader(page: Page): Promise<void> {
  await waitForLoadAfter(page, () => accountNavigation(page).getByRole('button', { name: 'Log out' }).click());
}

/** Returns a locator for the header navigation that logged-in pages show. */
export function accountNavigation(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Account' });
}

/** Returns the flash banners on the page, in page order. */
export async function visibleFlashes(page: Page): Promise<VisibleFlash[]> {
  return page.locator('.flash').evaluateAll((elements) =>
    elements.map((element) => ({
      category: [...element.classList].find((name) => name.startsWith('flash-'))?.slice('flash-'.length) ?? '',
      role: element.getAttribute('role') ?? '',
      text: element.textContent?.trim() ?? '',
    })),
  );
}

/** Returns the path of the page's URL, without query or fragment. */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/** Returns the text of the page's h1. */
export async function headingOf(page: Page): Promise<string> {
  return (await page.getByRole('heading', { level: 1 }).textContent())?.trim() ?? '';
}
