/** Texts shown to people, defined once so that routes, templates and tests agree. */
export const MESSAGES = {
  loginIncorrect: 'Login or password is incorrect',
  accountInactive: 'This account is not active',
  loginRequired: 'Please log in to access this page.',
  loggedOut: 'You have successfully logged out',
  csrfRejected:
    'This form has expired or was not sent from this site. Go back, reload the page and try again.',
  httpsRequired: 'This site accepts only HTTPS connections. Open it with an https:// address.',
  notFound: 'The page you asked for does not exist.',
  internalError: 'Something went wrong on our side. Please try again in a moment.',
} as const;
