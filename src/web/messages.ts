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
  internalError: 'Something went wrong on our side. Please try again in a moment.',
} as const;
