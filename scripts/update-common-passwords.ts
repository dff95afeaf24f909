import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths';

// Regenerates data/common-passwords.txt from the frequency-ordered password list that the
// @zxcvbn-ts/language-common package (MIT licence) ships. Passwords shorter than the lowest
// allowed minimum are left out, because the length rule rejects them anyway.
const MIN_LENGTH_WORTH_LISTING = 8;
const OUTPUT_FILE = path.join(PROJECT_ROOT, 'data', 'common-passwords.txt');

async function main(): Promise<void> {
  const passwords = require('@zxcvbn-ts/language-common/src/passwords.json') as string[];
  const listed = passwords
    .map((password) => password.toLowerCase())
    .filter((password) => [...password].length >= MIN_LENGTH_WORTH_LISTING);
  const unique = [...new Set(listed)];

  await writeFile(OUTPUT_FILE, `${unique.join('\n')}\n`);
  process.stdout.write(`Wrote ${unique.length} passwords to ${OUTPUT_FILE}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Updating the common password list failed: ${String(error)}\n`);
  process.exit(1);
});
