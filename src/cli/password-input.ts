import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Reads a new password. From a terminal it prompts twice without echo and requires both entries
 * to match. From a pipe or file it takes the first line of standard input.
 */
export async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    return firstLine(await readAll(process.stdin));
  }

  const first = await promptHidden('Password: ');
  const second = await promptHidden('Repeat the password: ');

  if (first !== second) {
    throw new PasswordInputError('The two passwords do not match.');
  }

  return first;
}

export class PasswordInputError extends Error {
  override readonly name = 'PasswordInputError';
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function firstLine(text: string): string {
  const newline = text.search(/\r?\n/);
  return newline === -1 ? text : text.slice(0, newline);
}

/** Prompts on stderr and reads one line from the terminal without showing what is typed. */
function promptHidden(prompt: string): Promise<string> {
  // The interface switches the terminal to raw mode, which stops its echo. The prompt comes
  // after that, or a password typed (or pasted) at once would show on the screen.
  const silentOutput = new Writable({ write: (_chunk, _encoding, done) => done() });
  const readline = createInterface({ input: process.stdin, output: silentOutput, terminal: true });
  process.stderr.write(prompt);

  return new Promise((resolve, reject) => {
    // Each handler settles the promise before it closes the interface, because closing fires
    // "close" at once, and the first settlement wins.
    readline.once('line', (line) => {
      process.stderr.write('\n');
      resolve(line);
      readline.close();
    });
    readline.once('SIGINT', () => {
      reject(new PasswordInputError('Cancelled.'));
      readline.close();
    });
    // Ctrl-D ends the input without a line.
    readline.once('close', () => reject(new PasswordInputError('No password entered.')));
  });
}
