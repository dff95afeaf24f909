import Tokens from 'csrf';
import Koa from 'koa';
import type { SessionUser } from '../../src/auth/session-user';
import { TEMPLATES_DIR } from '../../src/paths';
import { listen } from '../../src/web/http-server';
import { MESSAGES } from '../../src/web/messages';
import { createTemplateEnvironment } from '../../src/web/render';
import { stopOnRequest } from './ipc';

// The framework ceiling, forked by the benchmark: a bare Koa app that renders the dashboard
// template with the same nunjucks environment and the same kind of values as the real page. It
// has no session, no database and no other middleware, and listens on 127.0.0.1:PORT.

const templates = createTemplateEnvironment(TEMPLATES_DIR);
const tokens = new Tokens();

const user: SessionUser = {
  id: 'bench-viewer-0',
  username: 'bench-viewer-0',
  createdAt: new Date('2024-01-01T00:00:00Z'),
  loggedInAt: new Date(),
  previousLoginAt: new Date('2024-01-02T00:00:00Z'),
  previousLoginIp: '2001:db8::1',
  failedLoginsBefore: 0,
};

// The variables the real dashboard renders with (see web/render.ts and routes/dashboard.ts).
const variables = {
  currentUser: user,
  csrfToken: tokens.create(tokens.secretSync()),
  flashes: [],
  user,
  failedLoginsWarning: MESSAGES.failedLoginsWarning(user.failedLoginsBefore),
};

async function main(): Promise<void> {
  const app = new Koa();
  app.use((ctx) => {
    ctx.type = 'html';
    ctx.body = templates.render('dashboard.njk', variables);
  });

  const server = await listen(app.callback(), { host: '127.0.0.1', port: Number(process.env.PORT) });
  stopOnRequest(async () => {
    server.closeAllConnections();
    server.close();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`Bare page failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
