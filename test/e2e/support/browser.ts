import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium package; the tests never download a browser of their own. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  // Host names other than the loopback address resolve to nothing, so a page that links or
  // redirects elsewhere (such as a login with next=//evil.example) cannot reach another host.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/** A browser context with one page, and what the tests check after each of them. */
export interface BrowserTab {
  context: BrowserContext;
  page: Page;
  /** Console messages in which Chromium reports a Content Security Policy violation. */
  cspViolations: string[];
  /** Uncaught exceptions in the page. The pages have no script, so any exception is a fault. */
  pageErrors: string[];
  /** Requested URLs whose origin is not the app's. */
  foreignRequests: string[];
}

export interface BrowserFixture {
  /** Opens a tab in a new context (no cookies, no cache) whose relative URLs go to baseUrl. */
  openTab(baseUrl: string, options?: BrowserContextOptions): Promise<BrowserTab>;
}

/**
 * Launches Chromium before the tests of the enclosing suite and closes it after them. After
 * each test it closes the tabs that test opened and fails the test if a page broke the Content
 * Security Policy, threw, or sent a request to another origin.
 */
export function useBrowser(): BrowserFixture {
  let browser: Browser | undefined;
  let openTabs: BrowserTab[] = [];

  before(async () => {
    browser = await launchChromium();
  });

  afterEach(async () => {
    const tabs = openTabs;
    openTabs = [];
    await Promise.all(tabs.map((tab) => tab.context.close()));
    tabs.forEach(assertTabWasClean);
  });

  after(async () => {
    await browser?.close();
  });

  return {
    async openTab(baseUrl, options = {}) {
      if (!browser) {
        throw new Error('the browser is not running: call openTab inside a test');
      }
      const tab = await openWatchedTab(browser, baseUrl, options);
      openTabs.push(tab);
      return tab;
    },
  };
}

/** Starts Debian's Chromium headless, or fails with the command that installs it. */
export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Chromium failed to start from ${CHROMIUM_PATH} (install it with "apt-get install chromium" ` +
        `or set CHROMIUM_PATH): ${reason}`,
    );
  }
}

/** Fails when a tab recorded a CSP violation, a script error or a request to another origin. */
export function assertTabWasClean(tab: BrowserTab): void {
  assert.deepEqual(tab.cspViolations, [], 'Content Security Policy violations');
  assert.deepEqual(tab.pageErrors, [], 'uncaught page errors');
  assert.deepEqual(tab.foreignRequests, [], 'requests to other origins');
}

async function openWatchedTab(browser: Browser, baseUrl: string, options: BrowserContextOptions): Promise<BrowserTab> {
  const context = await browser.newContext({ baseURL: baseUrl, ...options });
  const page = await context.newPage();
  const tab: BrowserTab = { context, page, cspViolations: [], pageErrors: [], foreignRequests: [] };
  const appOrigin = new URL(baseUrl).origin;

  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('Content Security Policy')) {
      tab.cspViolations.push(message.text());
    }
  });
  page.on('pageerror', (error) => tab.pageErrors.push(error.message));
  context.on('request', (request) => {
    if (new URL(request.url()).origin !== appOrigin) {
      tab.foreignRequests.push(request.url());
    }
  });

  return tab;
}
