import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './support/app';
import type { Page } from 'playwright-core';
import { useBrowser } from './support/browser';
import { addVisitors, PASSWORD, VISITOR } from './support/page-visits';
import { logIn } from './support/pages';

/**
 * The fields that password managers fill, found by their visible label the way a person finds
 * them. Password managers rely on the autocomplete tokens of the HTML standard: "username",
 * "current-password" for a login and "new-password" for a password being chosen.
 */
interface CredentialField {
  path: string;
  /** Whether the page needs a logged-in user. */
  loggedIn?: boolean;
  label: string;
  name: string;
  type: string;
  autocomplete: string;
}

const CREDENTIAL_FIELDS: CredentialField[] = [
  { path: '/login', label: 'Username', name: 'username', type: 'text', autocomplete: 'username' },
  { path: '/login', label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password' },
  { path: '/signup', label: 'Username', name: 'username', type: 'text', autocomplete: 'username' },
  { path: '/signup', label: 'Password', name: 'password', type: 'password', autocomplete: 'new-password' },
  { path: '/signup', label: 'Confirm password', name: 'confirmPassword', type: 'password', autocomplete: 'new-password' },
  {
    path: '/account',
    loggedIn: true,
    label: 'Current password',
    name: 'currentPassword',
    type: 'password',
    autocomplete: 'current-password',
  },
  { path: '/account', loggedIn: true, label: 'New password', name: 'newPassword', type: 'password', autocomplete: 'new-password' },
  {
    path: '/account',
    loggedIn: true,
    label: 'Confirm new password',
    name: 'confirmPassword',
    type: 'password',
    autocomplete: 'new-password',
  },
  {
    path: '/account/confirm',
    loggedIn: true,
    label: 'Password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
  },
];

describe('credential fields', () => {
  const browser = useBrowser();
  const app = useTestApp(addVisitors);

  /** Opens the field's page in a fresh tab, logged in first when the page needs it. */
  async function openFieldPage(field: CredentialField): Promise<Page> {
    const { page } = await browser.openTab(app().baseUrl);
    if (field.loggedIn) {
      await logIn(page, VISITOR, PASSWORD);
    }
    await page.goto(field.path);
    return page;
  }

  for (const field of CREDENTIAL_FIELDS) {
    describe(`${field.label} on ${field.path}`, () => {
      it(`has type ${field.type}`, async () => {
        const page = await openFieldPage(field);

        assert.equal(await page.getByLabel(field.label, { exact: true }).getAttribute('type'), field.type);
      });

      it(`has autocomplete ${field.autocomplete}`, async () => {
        const page = await openFieldPage(field);

        assert.equal(
          await page.getByLabel(field.label, { exact: true }).getAttribute('autocomplete'),
          field.autocomplete,
        );
      });

      it(`is named ${field.name} and required`, async () => {
        const page = await openFieldPage(field);
        const input = page.getByLabel(field.label, { exact: true });

        assert.equal(await input.getAttribute('name'), field.name);
        assert.equal(await input.evaluate((element) => (element as HTMLInputElement).required), true);
      });

      it('sits in a POST form', async () => {
        const page = await openFieldPage(field);

        const method = await page
          .getByLabel(field.label, { exact: true })
          .evaluate((element) => (element as HTMLInputElement).form?.method);
        assert.equal(method, 'post');
      });
    });
  }
});
