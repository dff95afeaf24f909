import type { Page } from 'playwright-core';
import { MAX_USERNAME_LENGTH } from '../../../src/users/username';
import { addUser, type TestApp } from '../../support/test-app';
import { logIn, logOutFromHeader, submitLogin, waitForLoadAfter } from './pages';

export const PASSWORD = 'correct horse battery';

/** The account that the page visits log in with. */
export const VISITOR = 'alice';

/**
 * A username of the maximum length with no place to break a line, for layouts that must not
 * overflow on a phone.
 */
export const MAX_LENGTH_USERNAME = 'm'.repeat(MAX_USERNAME_LENGTH);

/** One page of the app, reached the way a person reaches it. */
export interface PageVisit {
  /** Short kebab-case name, also the stem of the screenshot file. */
  name: string;
  /** Brings a fresh tab (no cookies) to the page and waits until it has loaded. */
  open(page: Page, username?: string): Promise<void>;
}

/** Every page the app renders, with each kind of flash banner. */
export const PAGE_VISITS: PageVisit[] = [
  {
    name: 'login',
    open: async (page) => {
      await page.goto('/login');
    },
  },
  {
    name: 'login-wrong-password',
    open: async (page, username = VISITOR) => {
      await page.goto('/login');
      await submitLogin(page, username, 'not the password');
    },
  },
  {
    name: 'login-required',
    open: async (page) => {
      await page.goto('/dashboard');
    },
  },
  {
    name: 'logged-out',
    open: async (page, username = VISITOR) => {
      await logIn(page, username, PASSWORD);
      await logOutFromHeader(page);
    },
  },
  {
    name: 'dashboard',
    open: async (page, username = VISITOR) => {
      await logIn(page, username, PASSWORD);
    },
  },
  {
    name: 'logout',
    open: async (page, username = VISITOR) => {
      await logIn(page, username, PASSWORD);
      await page.goto('/logout');
    },
  },
  {
    name: 'not-found',
    open: async (page) => {
      await page.goto('/no-such-page');
    },
  },
  {
    // A form whose session has expired: the cookies are gone when it is sent.
    name: 'csrf-rejected',
    open: async (page, username = VISITOR) => {
      await page.goto('/login');
      await page.context().clearCookies();
      await submitLogin(page, username, PASSWORD);
    },
  },
  {
    name: 'signup',
    open: async (page) => {
      await page.goto('/signup');
    },
  },
  {
    // A form sent back with an error under one field and the other values kept.
    name: 'signup-invalid',
    open: async (page, username = VISITOR) => {
      await page.goto('/signup');
      await page.getByLabel('Username', { exact: true }).fill(username);
      await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
      await page.getByLabel('Confirm password', { exact: true }).fill('a different passphrase');
      await waitForLoadAfter(page, () => page.getByRole('button', { name: 'Create account' }).click());
    },
  },
  {
    name: 'account',
    open: async (page, username = VISITOR) => {
      await logIn(page, username, PASSWORD);
      await page.goto('/account');
    },
  },
  {
    name: 'confirm-password',
    open: async (page, username = VISITOR) => {
      await logIn(page, username, PASSWORD);
      await page.goto('/account/confirm?next=/account');
    },
  },
];

/** Creates the accounts that the page visits use. */
export async function addVisitors(app: TestApp): Promise<void> {
  await addUser(app.users, VISITOR, PASSWORD);
  await addUser(app.users, MAX_LENGTH_USERNAME, PASSWORD);
}

/** Returns the visit with this name; throws for an unknown name. */
export function pageVisit(name: string): PageVisit {
  const visit = PAGE_VISITS.find((candidate) => candidate.name === name);
  if (!visit) {
    throw new Error(`no page visit named "${name}"`);
  }
  return visit;
}
