import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './support/app';
import { useBrowser } from './support/browser';

// The other browser tests rely on these guards, so each is checked by breaking it on purpose.
describe('test browser', () => {
  const browser = useBrowser();
  const app = useTestApp();

  it('records a CSP violation', async () => {
    const tab = await browser.openTab(app().baseUrl);
    await tab.page.goto('/login');

    await Promise.all([
      tab.page.waitForEvent('console'),
      tab.page.evaluate(() => {
        const style = document.createElement('style');
        style.textContent = 'body { color: red; }';
        document.head.append(style);
      }),
    ]);

    assert.equal(tab.cspViolations.length, 1);
    assert.match(tab.cspViolations[0], /style-src/);
    // Made on purpose, so the check after this test must not see it.
    tab.cspViolations.length = 0;
  });

  it('resolves no host name', async () => {
    const tab = await browser.openTab(app().baseUrl);
    const sameServerByName = app().baseUrl.replace('127.0.0.1', 'localhost');

    const failure = await tab.page.goto(`${sameServerByName}/login`).then(
      () => undefined,
      (error: Error) => error.message,
    );

    assert.match(failure ?? 'the page loaded', /ERR_NAME_NOT_RESOLVED/);
    assert.deepEqual(tab.foreignRequests, [`${sameServerByName}/login`]);
    tab.foreignRequests.length = 0;
  });
});
