import 'reflect-metadata';
import { checkNewPassword } from '../auth/password-policy';
import { hashPassword } from '../auth/passwords';
import { loadConfig, type Config } from '../config/config';
import { ConfigError } from '../config/config-error';
import { isAppError } from '../errors/app-error';
import { connectFirestore } from '../firestore/connect';
import { createLogger } from '../log/logger';
import type { User } from '../users/user';
import { createServices, type Services } from '../services';
import { describeUserAgent } from '../sessions/user-agent';
import type { SessionSummary } from '../sessions/session-store';
import { UserNotFoundError } from '../users/user-errors';
import { parseUsername } from '../users/username';
import { PasswordInputError, readNewPassword } from './password-input';

const USAGE = `Usage: npm run users -- COMMAND [NAME]

Manages the accounts in the same Firestore database the server uses.

Commands:
  add NAME       create an active user; the password is read from standard input,
                 or prompted for twice when standard input is a terminal
  passwd NAME    set a new password, read the same way, and end the user's sessions
  disable NAME   block the user from logging in and end their sessions
  enable NAME    allow a disabled user to log in again
  delete NAME    remove the user and end their sessions
  sessions NAME  list the user's active sessions: device, address, creation,
                 last activity and expiry times
  revoke NAME    end every session of the user (log them out everywhere)
  unlock NAME    clear the failed-login counter that delays this username
  list           show every user with status, creation and last login time

Exits 0 on success, 1 with a message on standard error otherwise.
`;

const COMMANDS_WITH_NAME = ['add', 'passwd', 'disable', 'enable', 'delete', 'sessions', 'revoke', 'unlock'] as const;
type CommandWithName = (typeof COMMANDS_WITH_NAME)[number];

interface CliContext {
  services: Services;
  /** The bcrypt hash of the password read for "add" and "passwd"; empty for other commands. */
  passwordHash: string;
}

/** Thrown for a mistake in the command line; the usage text follows its message. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }

  const command = parseCommand(argv);
  const config = loadConfig();

  // Bad input fails before the slow part: connecting may start an emulator.
  if (command.name !== undefined) {
    parseUsername(command.name);
  }
  const passwordHash = command.needsPassword ? await readValidPasswordHash(config, command.name) : '';

  // Informational logs would mix with the command's output; warnings and errors still show.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', pretty: false });
  const connection = await connectFirestore(config, logger, 'cli');

  try {
    await command.run({ services: createServices(connection.firestore, config.security, { logger }), passwordHash });
    return 0;
  } finally {
    await connection.close();
  }
}

interface ParsedCommand {
  name: string | undefined;
  needsPassword: boolean;
  run(context: CliContext): Promise<void>;
}

function parseCommand(argv: string[]): ParsedCommand {
  const [command, name, ...extra] = argv;

  if (command === undefined) {
    throw new UsageError('Missing COMMAND.');
  }

  if (command === 'list') {
    if (name !== undefined) {
      throw new UsageError('"list" takes no arguments.');
    }
    return { name: undefined, needsPassword: false, run: listUsers };
  }

  if (!COMMANDS_WITH_NAME.includes(command as CommandWithName)) {
    throw new UsageError(`Unknown command "${command}".`);
  }

  if (name === undefined || extra.length > 0) {
    throw new UsageError(`"${command}" takes exactly one NAME.`);
  }

  return {
    name,
    needsPassword: command === 'add' || command === 'passwd',
    run: (context) => runNamedCommand(command as CommandWithName, name, context),
  };
}

async function runNamedCommand(command: CommandWithName, name: string, context: CliContext) {
  const { users, accounts } = context.services;

  switch (command) {
    case 'add': {
      const user = await users.createUser(name, context.passwordHash);
      return report(`Created user "${user.username}".`);
    }
    case 'passwd': {
      const ended = await accounts.changePasswordHash(name, context.passwordHash);
      return report(`Changed the password of "${name}" and ended ${describeCount(ended, 'session')}.`);
    }
    case 'disable': {
      const ended = await accounts.disable(name);
      return report(`Disabled "${name}" and ended ${describeCount(ended, 'session')}; they can no longer log in.`);
    }
    case 'enable':
      await accounts.enable(name);
      return report(`Enabled "${name}".`);
    case 'delete': {
      const ended = await accounts.delete(name);
      return report(`Deleted "${name}" and ended ${describeCount(ended, 'session')}.`);
    }
    case 'sessions':
      return listSessions(name, context);
    case 'revoke': {
      const ended = await accounts.revokeSessions(name);
      // Sessions can outlive a deleted account, so only an empty result needs the user checked.
      if (ended === 0 && !(await users.findByUsername(name))) {
        throw new UserNotFoundError(name);
      }
      return report(`Ended ${describeCount(ended, 'session')} of "${name}".`);
    }
    case 'unlock':
      await accounts.unlock(name);
      return report(`Cleared the failed-login counter of "${name}".`);
  }
}

function describeCount(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

async function readValidPasswordHash(config: Config, username: string | undefined): Promise<string> {
  const password = await readNewPassword();
  const problem = checkNewPassword(password, config.security.passwordMinLength, username);

  if (problem) {
    throw new PasswordInputError(problem);
  }

  return hashPassword(password, config.bcryptCost);
}

async function listUsers({ services }: CliContext): Promise<void> {
  const all = await services.users.listUsers();

  if (all.length === 0) {
    return report('No users yet. Create one with: npm run users -- add NAME');
  }

  const rows = all.map(formatUserRow);
  const header = ['USERNAME', 'STATUS', 'CREATED', 'LAST LOGIN'];
  report(formatTable([header, ...rows]));
}

function formatUserRow(user: User): string[] {
  return [
    user.username,
    user.status,
    user.createdAt.toISOString(),
    user.lastLoginAt ? user.lastLoginAt.toISOString() : 'never',
  ];
}

async function listSessions(name: string, { services }: CliContext): Promise<void> {
  const user = await services.users.findByUsername(name);
  if (!user) {
    throw new UserNotFoundError(name);
  }

  const sessions = await services.sessions.listForUser(user.id);
  if (sessions.length === 0) {
    return report(`No active sessions for "${user.username}".`);
  }

  const header = ['DEVICE', 'ADDRESS', 'CREATED', 'LAST ACTIVITY', 'EXPIRES'];
  report(formatTable([header, ...sessions.map(formatSessionRow)]));
}

function formatSessionRow(session: SessionSummary): string[] {
  return [
    describeUserAgent(session.userAgent),
    session.clientIp || 'unknown',
    session.createdAt.toISOString(),
    session.lastSeenAt.toISOString(),
    session.expiresAt.toISOString(),
  ];
}

function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}

function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Turns an error into the one-line message for standard error. */
function describeFailure(error: unknown): string {
  if (error instanceof UsageError) {
    return `${error.message} Run "npm run users -- --help" for usage.`;
  }

  if (isAppError(error) || error instanceof ConfigError || error instanceof PasswordInputError) {
    return error.message;
  }

  return `Failed: ${error instanceof Error ? error.message : String(error)}`;
}

main(process.argv.slice(2)).then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    process.stderr.write(`${describeFailure(error)}\n`);
    process.exit(1);
  },
);
