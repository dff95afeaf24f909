import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isEmulatorAnswering, startEmulator, type RunningEmulator } from '../../src/firestore/emulator';
import { locateEmulatorJar } from '../../src/firestore/emulator-locator';
import { createClientForHost } from '../support/emulator-client';
import { findFreePort } from '../support/ports';
import { isProcessAlive } from '../support/processes';
import { emulatorHost, newProjectId } from '../support/test-app';

// Starting the emulator's JVM takes several seconds, twice in the restart test.
const EMULATOR_TIMEOUT = { timeout: 120_000 };

describe('startEmulator', () => {
  describe('with a data folder', () => {
    const projectId = newProjectId();
    const started: RunningEmulator[] = [];
    let dataDir: string;
    let jarPath: string;

    before(async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'emulator-test-'));
      jarPath = await locateEmulatorJar();
    });

    after(async () => {
      // stop() is a no-op for an emulator that has already exited.
      await Promise.all(started.map((emulator) => emulator.stop().catch(() => undefined)));
      await rm(dataDir, { recursive: true, force: true });
    });

    async function start(): Promise<RunningEmulator> {
      const emulator = await startEmulator({ jarPath, port: await findFreePort(), dataDir, projectId });
      started.push(emulator);
      return emulator;
    }

    it('keeps documents across a restart', EMULATOR_TIMEOUT, async () => {
      const first = await start();
      const writer = createClientForHost(first.hostAndPort, projectId);
      await writer.collection('notes').doc('kept').set({ text: 'survives a restart' });
      await writer.terminate();
      await first.stop();

      const second = await start();
      const reader = createClientForHost(second.hostAndPort, projectId);
      const snapshot = await reader.collection('notes').doc('kept').get();
      await reader.terminate();
      await second.stop();

      assert.notEqual(second.hostAndPort, first.hostAndPort);
      assert.equal(snapshot.exists, true);
      assert.equal(snapshot.get('text'), 'survives a restart');
    });

    it('writes an export on stop', EMULATOR_TIMEOUT, async () => {
      const entries = await readdir(path.join(dataDir, 'firestore-export'), { recursive: true });

      assert.ok(
        entries.some((entry) => entry.endsWith('.overall_export_metadata')),
        `export contains: ${entries.join(', ')}`,
      );
      assert.equal(
        entries.some((entry) => entry.includes('.partial')),
        false,
      );
    });

    it('stops the Java process', EMULATOR_TIMEOUT, async () => {
      const emulator = await start();
      const pid = emulator.pid;
      assert.ok(pid);

      await emulator.stop();

      assert.equal(isProcessAlive(pid), false);
      assert.equal(await isEmulatorAnswering(emulator.hostAndPort), false);
    });
  });
});

describe('locateEmulatorJar', () => {
  let tempDir: string;
  before(async () => {
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'emulator-jar-'));
  });
  after(() => rm(tempDir, { recursive: true, force: true }));

  it('honours FIRESTORE_EMULATOR_JAR', async () => {
    const jar = path.join(tempDir, 'custom-emulator.jar');
    await writeFile(jar, 'not really a jar');

    assert.equal(await locateEmulatorJar({ FIRESTORE_EMULATOR_JAR: jar }), jar);
  });

  it('trims FIRESTORE_EMULATOR_JAR', async () => {
    const jar = path.join(tempDir, 'trimmed-emulator.jar');
    await writeFile(jar, 'not really a jar');

    assert.equal(await locateEmulatorJar({ FIRESTORE_EMULATOR_JAR: `  ${jar}\n` }), jar);
  });

  it('rejects a missing FIRESTORE_EMULATOR_JAR', { timeout: 30_000 }, async () => {
    const missing = path.join(tempDir, 'missing.jar');

    await assert.rejects(locateEmulatorJar({ FIRESTORE_EMULATOR_JAR: missing }), /FIRESTORE_EMULATOR_JAR .* is not a readable file/);
  });
});

describe('isEmulatorAnswering', () => {
  it('is false for a closed port', async () => {
    const port = await findFreePort();

    assert.equal(await isEmulatorAnswering(`127.0.0.1:${port}`), false);
  });

  it('is true for the test emulator', async () => {
    assert.equal(await isEmulatorAnswering(emulatorHost()), true);
  });

  it('is false for another HTTP server', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_request, response) => response.end('Not the emulator'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    try {
      assert.equal(await isEmulatorAnswering(`127.0.0.1:${port}`), false);
    } finally {
      server.close();
    }
  });
});
