import { IsNotEmpty } from 'class-validator';
import { IsAcceptableNewPassword, type PasswordRules } from '../auth/password-constraint';
import { IsUsername } from '../users/username-constraint';
import { DiffersFromProperty, MatchesProperty } from './form-validation';
import { MESSAGES } from './messages';

/**
 * The sign-up form: the one declaration of its fields and their rules. The username follows the
 * same rules as the User model's (IsUsername), and the password the password policy.
 */
export class SignupForm implements PasswordRules {
  @IsUsername()
  readonly username: string;

  @IsAcceptableNewPassword()
  readonly password: string;

  @MatchesProperty('password', { message: MESSAGES.passwordsDiffer })
  readonly confirmPassword: string;

  constructor(
    fields: Record<string, string>,
    readonly passwordMinLength: number,
  ) {
    this.username = fields.username ?? '';
    this.password = fields.password ?? '';
    this.confirmPassword = fields.confirmPassword ?? '';
  }
}

/** The form that changes a logged-in user's password. */
export class PasswordChangeForm implements PasswordRules {
  @IsNotEmpty({ message: MESSAGES.currentPasswordMissing })
  readonly currentPassword: string;

  @IsAcceptableNewPassword()
  @DiffersFromProperty('currentPassword', { message: MESSAGES.newPasswordUnchanged })
  readonly newPassword: string;

  @MatchesProperty('newPassword', { message: MESSAGES.passwordsDiffer })
  readonly confirmPassword: string;

  constructor(
    fields: Record<string, string>,
    readonly username: string,
    readonly passwordMinLength: number,
  ) {
    this.currentPassword = fields.currentPassword ?? '';
    this.newPassword = fields.newPassword ?? '';
    this.confirmPassword = fields.confirmPassword ?? '';
  }
}
