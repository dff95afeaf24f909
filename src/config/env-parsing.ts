import { ConfigError } from './config-error';

export type Env = Record<string, string | undefined>;

/** Reads a true/false variable (also 1/0), throwing ConfigError on any other value. */
export function parseBooleanVariable(env: Env, name: string, defaultValue: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();

  if (raw === undefined || raw === '') {
    return defaultValue;
  }
  if (raw === 'true' || raw === '1') {
    return true;
  }
  if (raw === 'false' || raw === '0') {
    return false;
  }

  throw new ConfigError(`${name} "${env[name]}" is invalid: expected true or false.`);
}

/** Reads a whole number within [min, max], throwing ConfigError naming the variable otherwise. */
export function parseIntegerVariable(
  env: Env,
  name: string,
  defaultValue: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();

  if (raw === undefined || raw === '') {
    return defaultValue;
  }

  const value = Number(raw);

  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} "${raw}" is invalid: expected a whole number from ${min} to ${max}.`);
  }

  return value;
}
