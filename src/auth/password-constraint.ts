import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { checkNewPassword } from './password-policy';

/** What a form with a new password provides for the password policy. */
export interface PasswordRules {
  /** The configured minimum length of new passwords. */
  readonly passwordMinLength: number;
  /** The account's username, which the password must not equal; empty when not yet known. */
  readonly username: string;
}

function passwordProblem(args: ValidationArguments | undefined): string | undefined {
  const rules = args?.object as PasswordRules | undefined;
  if (typeof args?.value !== 'string' || rules === undefined) {
    return 'Password must be text.';
  }
  return checkNewPassword(args.value, rules.passwordMinLength, rules.username || undefined);
}

/**
 * A class-validator constraint for a new password: the password policy of checkNewPassword,
 * with the form's minimum length and username (see PasswordRules). The message is the policy's.
 */
export function IsAcceptableNewPassword(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAcceptableNewPassword',
      validator: {
        validate: (_value, args) => passwordProblem(args) === undefined,
        defaultMessage: (args) => passwordProblem(args) ?? 'Password is not acceptable.',
      },
    },
    options,
  );
}
