import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startEmulator, type RunningEmulator } from '../src/firestore/emulator';
import { locateEmulatorJar } from '../src/firestore/emulator-locator';
import { findFreePort } from './support/ports';

// Browser tests live in test/e2e/. They need Chromium, so only --suite=e2e (npm run test:e2e)
// runs them, and the default suite leaves them out.
const E2E_DIR = 'e2e';
const E2E_SUITE_FLAG = '--suite=e2e';

// Runs the compiled *.test.js files of one suite with node's test runner against one Cloud
// Firestore emulator. Tests isolate themselves with a project id each. When
// FIRESTORE_EMULATOR_HOST is already set, that emulator is used and none is started.
async function main(): Promise<number> {
  const isE2eSuite = process.argv[2] === E2E_SUITE_FLAG;
  const extraArguments = process.argv.slice(isE2eSuite ? 3 : 2);
  const files = (await findTestFiles(__dirname)).filter((file) => isE2eFile(file) === isE2eSuite);
  if (files.length === 0) {
    // With no file arguments, node --test would pick its own files, browser tests included.
    throw new Error(`no compiled test files found under ${__dirname}: run tsc first`);
  }
  const emulator = process.env.FIRESTORE_EMULATOR_HOST ? undefined : await startTestEmulator();

  try {
    return await runTestFiles(files, extraArguments);
  } finally {
    await emulator?.stop();
  }
}

async function startTestEmulator(): Promise<RunningEmulator> {
  const emulator = await startEmulator({ jarPath: await locateEmulatorJar(), port: await findFreePort() });
  process.env.FIRESTORE_EMULATOR_HOST = emulator.hostAndPort;
  process.stdout.write(`Firestore emulator for the tests: ${emulator.hostAndPort}\n`);
  return emulator;
}

async function findTestFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries
    .filter((entry) => entry.endsWith('.test.js'))
    .map((entry) => path.join(root, entry))
    .sort();
}

function isE2eFile(file: string): boolean {
  return path.relative(__dirname, file).split(path.sep)[0] === E2E_DIR;
}

/** Runs the files; arguments after `npm test --` (e.g. a name filter) go to node --test. */
function runTestFiles(files: string[], extraArguments: string[]): Promise<number> {
  const child = spawn(process.execPath, ['--test', ...extraArguments, ...files], {
    stdio: 'inherit',
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
  });

  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    process.stderr.write(`Test run failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
