/** A configuration problem found at startup; its message names the setting and how to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
