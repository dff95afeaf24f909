import { ValidateBy, type ValidationOptions } from 'class-validator';
import { InvalidUsernameError } from './user-errors';
import { parseUsername } from './username';

/** Explains why a value is not a valid username, or returns undefined when it is one. */
function usernameProblem(value: unknown): string | undefined {
  try {
    parseUsername(value);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidUsernameError) {
      return error.message;
    }
    throw error;
  }
}

/**
 * A class-validator constraint that accepts what parseUsername accepts, so the model, the forms
 * and the CLI share one set of username rules. The message is parseUsername's own reason.
 */
export function IsUsername(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUsername',
      validator: {
        validate: (value) => usernameProblem(value) === undefined,
        defaultMessage: (args) => usernameProblem(args?.value) ?? 'Invalid username.',
      },
    },
    options,
  );
}
