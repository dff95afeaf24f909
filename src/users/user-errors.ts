import { AppError } from '../errors/app-error';

export class InvalidUsernameError extends AppError {
  override readonly name = 'InvalidUsernameError';

  constructor(reason: string) {
    super('invalid_username', 400, `Invalid username: ${reason}.`);
  }
}

export class UsernameTakenError extends AppError {
  override readonly name = 'UsernameTakenError';

  constructor(username: string) {
    super('username_taken', 409, `The username "${username}" is already taken.`);
  }
}

export class UserNotFoundError extends AppError {
  override readonly name = 'UserNotFoundError';

  constructor(username: string) {
    super('user_not_found', 404, `No user named "${username}" exists.`);
  }
}

/** A user record that breaks the model's rules; the message lists each invalid field. */
export class InvalidUserError extends AppError {
  override readonly name = 'InvalidUserError';

  constructor(problems: string[]) {
    super('invalid_user', 400, `Invalid user: ${problems.join(' ')}`);
  }
}
