import { after, before } from 'node:test';
import { startTestApp, type TestApp } from '../../support/test-app';

/**
 * Starts the app on a loopback port before the tests of the enclosing suite, runs `prepare` on
 * it (to add users, say), and closes it after them. Returns a getter for the running app.
 */
export function useTestApp(prepare: (app: TestApp) => Promise<void> = async () => {}): () => TestApp {
  let app: TestApp | undefined;

  before(async () => {
    app = await startTestApp();
    await prepare(app);
  });

  after(async () => {
    await app?.close();
  });

  return () => {
    if (!app) {
      throw new Error('the app is not running: use it inside a test');
    }
    return app;
  };
}
