import { execFile } from 'node:child_process';
import { access, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../config/config-error';
import { emulatorNotFoundError } from './emulator';

const JAR_IN_SDK = 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';

// Usual Google Cloud SDK install folders: the Debian and RPM packages, the tarball, Homebrew.
const COMMON_SDK_ROOTS = [
  '/usr/lib/google-cloud-sdk',
  '/usr/share/google-cloud-sdk',
  '/opt/google-cloud-sdk',
  path.join(os.homedir(), 'google-cloud-sdk'),
  '/opt/homebrew/share/google-cloud-sdk',
];

const FIREBASE_CACHE = path.join(os.homedir(), '.cache', 'firebase', 'emulators');

/**
 * Finds the Cloud Firestore emulator jar: FIRESTORE_EMULATOR_JAR first, then the Google Cloud SDK
 * (common roots and the one `gcloud info` reports), then firebase-tools' download cache.
 * Throws a ConfigError that explains how to install the emulator when none is found.
 */
export async function locateEmulatorJar(env = process.env): Promise<string> {
  const searched: string[] = [];
  const explicitJar = env.FIRESTORE_EMULATOR_JAR?.trim();

  if (explicitJar) {
    if (await isReadable(explicitJar)) {
      return explicitJar;
    }
    throw new ConfigError(
      `FIRESTORE_EMULATOR_JAR "${explicitJar}" is not a readable file: point it at ` +
        'cloud-firestore-emulator.jar, or unset it to search the Google Cloud SDK.',
    );
  }

  const sdkRoots = [...COMMON_SDK_ROOTS, ...(await askGcloudForSdkRoot())];
  for (const root of new Set(sdkRoots)) {
    const jar = path.join(root, JAR_IN_SDK);
    searched.push(jar);
    if (await isReadable(jar)) {
      return jar;
    }
  }

  searched.push(`${FIREBASE_CACHE}/cloud-firestore-emulator-v*.jar`);
  const cachedJar = await findNewestFirebaseJar();
  if (cachedJar) {
    return cachedJar;
  }

  throw emulatorNotFoundError(searched);
}

async function askGcloudForSdkRoot(): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)(
      'gcloud',
      ['info', '--format=value(installation.sdk_root)'],
      { timeout: 10_000 },
    );
    const root = stdout.trim();
    return root ? [root] : [];
  } catch {
    return [];
  }
}

async function findNewestFirebaseJar(): Promise<string | undefined> {
  const names = await readdir(FIREBASE_CACHE).catch(() => [] as string[]);
  const jars = names
    .filter((name) => /^cloud-firestore-emulator-v[\d.]+\.jar$/.test(name))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = jars.at(-1);

  return newest ? path.join(FIREBASE_CACHE, newest) : undefined;
}

async function isReadable(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
