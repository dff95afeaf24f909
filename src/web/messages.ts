/** Texts shown to people, defined once so that routes, templates and tests agree. */
export const MESSAGES = {
  /** Shown for a throttled username; the same whether or not the account exists. */
  loginThrottled: (minutes: number) =>
    `Too many failed login attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  loginIncorrect: 'Login or password is incorrect',
  accountInactive: 'This account is not active',
  loginBusy: 'Many people are logging in right now. Wait a few seconds and try again.',
  tooManyRequests: 'Too many login attempts from your network. Wait a minute and try again.',
  malformedForm: 'The form was not sent in the expected format. Reload the page and try again.',
  loginRequired: 'Please log in to access this page.',
  loggedOut: 'You have successfully logged out',
  csrfRejected:
    'This form has expired or was not sent from this site. Go back, reload the page and try again.',
  httpsRequired: 'This site accepts only HTTPS connections. Open it with an https:// address.',
  badRequest: 'The request could not be understood. Reload the page and try again.',
  notFound: 'The page you asked for does not exist.',
  tooManySignups: 'Too many sign-up attempts from your network. Wait a minute and try again.',
  formHasErrors: 'The form has errors. Correct the marked fields and try again.',
  usernameTaken: 'This username is already taken. Choose another one.',
  passwordsDiffer: 'The two passwords do not match.',
  currentPasswordMissing: 'Enter your current password.',
  currentPasswordIncorrect: 'The current password is incorrect.',
  newPasswordUnchanged: 'The new password must differ from the current one.',
  reauthenticationLimit: 'You entered a wrong password too many times, so you were logged out. Log in again.',
  passwordMissing: 'Enter your password.',
  passwordIncorrect: 'The password is incorrect.',
  welcome: (username: string) => `Welcome, ${username}! Your account is ready and you are signed in.`,
  signupLoginFailed: 'Your account was created, but it changed before you could be signed in. Log in to continue.',
  passwordChanged: (endedSessions: number) =>
    `Your password was changed. ${describeEndedSessions(endedSessions)}`,
  passwordChangeConflict:
    'Your password was changed by another request at the same moment, so this change was not made. Log in again.',
  sessionSignedOut: 'The session was signed out.',
  otherSessionsSignedOut: (endedSessions: number) => describeEndedSessions(endedSessions),
  sessionNotFound: 'That session was not found: it may have ended already.',
  currentSessionNotRevocable: 'That is the session you are using now. To end it, log out.',
  passwordConfirmationRequired: 'For your security, enter your password again to continue.',
  passwordConfirmed: 'Password confirmed. You can continue now.',
  failedLoginsWarning: (failures: number) =>
    `${failures} failed login attempt${failures === 1 ? ' was' : 's were'} made on your account before this ` +
    'login. If that was not you, change your password.',
  internalError: 'Something went wrong on our side. Please try again in a moment.',
} as const;

function describeEndedSessions(count: number): string {
  if (count === 0) {
    return 'You had no other sessions.';
  }
  return `${count} other session${count === 1 ? '' : 's'} ${count === 1 ? 'was' : 'were'} signed out.`;
}
