import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './support/app';
import { useBrowser } from './support/browser';

/**
 * The fields that password managers fill, found by their visible label the way a person finds
 * them. Password managers rely on the autocomplete tokens of the HTML standard: "username",
 * "current-password" for a login and "new-password" for a password being chosen.
 */
const CREDENTIAL_FIELDS = [
  { path: '/login', label: 'Username', name: 'username', type: 'text', autocomplete: 'username' },
  { path: '/login', label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password' },
];

describe('credential fields', () => {
  const browser = useBrowser();
  const app = useTestApp();

  for (const field of CREDENTIAL_FIELDS) {
    describe(`${field.label} on ${field.path}`, () => {
      it(`has type ${field.type}`, async () => {
        const { page } = await browser.openTab(app().baseUrl);
        await page.goto(field.path);

        assert.equal(await page.getByLabel(field.label, { exact: true }).getAttribute('type'), field.type);
      });

      it(`has autocomplete ${field.autocomplete}`, async () => {
        const { page } = await browser.openTab(app().baseUrl);
        await page.goto(field.path);

        assert.equal(
          await page.getByLabel(field.label, { exact: true }).getAttribute('autocomplete'),
          field.autocomplete,
        );
      });

      it(`is named ${field.name} and required`, async () => {
        const { page } = await browser.openTab(app().baseUrl);
        await page.goto(field.path);
        const input = page.getByLabel(field.label, { exact: true });

        assert.equal(await input.getAttribute('name'), field.name);
        assert.equal(await input.evaluate((element) => (element as HTMLInputElement).required), true);
      });

      it('sits in a POST form', async () => {
        const { page } = await browser.openTab(app().baseUrl);
        await page.goto(field.path);

        const method = await page
          .getByLabel(field.label, { exact: true })
          .evaluate((element) => (element as HTMLInputElement).form?.method);
        assert.equal(method, 'post');
      });
    });
  }
});
