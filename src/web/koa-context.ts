import type { Logger } from 'pino';
import type { FlashCategory } from './flash';
import type { RenderOptions } from './render';

// Helpers that the app's middleware adds to every Koa context.
declare module 'koa' {
  interface ExtendableContext {
    /** Stores a message in the session, shown once on the next rendered page. */
    flash(category: FlashCategory, message: string): void;
    /** Renders a template from templates/ into the response body as HTML. */
    render(template: string, variables?: Record<string, unknown>, options?: RenderOptions): void;
    /** The request's logger, which adds the request id to every line. */
    log: Logger;
    requestId: string;
  }
}

export {};
