import type { Context, Next } from 'koa';
import nunjucks from 'nunjucks';
import { takeFlashes } from './flash';

/**
 * Creates the nunjucks environment. Autoescaping is on for every template, and templates are
 * compiled once and cached.
 */
export function createTemplateEnvironment(templatesDir: string): nunjucks.Environment {
  const loader = new nunjucks.FileSystemLoader(templatesDir, { noCache: false });
  return new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
}

export interface RenderOptions {
  /**
   * Leaves pending flash messages for the next page. Error pages use it: they are rendered after
   * the session is saved, so a message consumed there would be lost from the page but not from
   * the session, and would show twice.
   */
  keepFlashes?: boolean;
}

/**
 * Adds ctx.render. Every page receives the current user, the CSRF token for its forms and the
 * pending flash messages, which rendering consumes.
 */
export function templateRendering(templates: nunjucks.Environment) {
  return async function renderTemplates(ctx: Context, next: Next): Promise<void> {
    ctx.render = (template, variables = {}, options: RenderOptions = {}) => {
      ctx.type = 'html';
      ctx.body = templates.render(template, {
        currentUser: ctx.state.user ?? null,
        csrfToken: ctx.state._csrf ?? '',
        flashes: options.keepFlashes ? [] : takeFlashes(ctx),
        ...variables,
      });
    };

    await next();
  };
}
