import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { buildEnv, runNodeScript, type ProcessResult } from '../support/processes';
import { emulatorHost } from '../support/test-app';

const BENCH_SCRIPT = path.resolve(__dirname, '../../scripts/bench.js');

// Settings from the developer's shell that would change the run or the server it starts.
const INHERITED_SETTINGS = [
  'BENCH_SECONDS',
  'BENCH_WARMUP_SECONDS',
  'BENCH_BCRYPT_COST',
  'BENCH_CONNECTIONS',
  'BENCH_LOGIN_CONNECTIONS',
  'BENCH_MIXED_VIEW_RATE',
  'BENCH_MAX_LOGINS',
  'BENCH_CPU_PROF',
  'SESSION_CACHE',
  'LOGIN_CONCURRENCY',
  'LOG_LEVEL',
];

// Each figure of the report, by the line that carries it. The values are not checked: a smoke
// run is too short to mean anything, and speed belongs to the benchmark itself.
const FIGURES: Record<string, RegExp> = {
  'bcrypt hash time': /one hash: [\d.]+ ms alone \(median of \d+\), [\d.]+ ms with all \d+ cores hashing/,
  'bcrypt bound': /bound: \d+ cores \/ [\d.]+ ms = [\d.]+ logins\/s/,
  'bare page rate and latency': /^ {2}[\d.]+ pages\/s, latency p50 [\d.]+ ms, p99 [\d.]+ ms/m,
  'dashboard rate and share of the bare page': /^ {2}[\d.]+ views\/s, latency p50 [\d.]+ ms, p99 [\d.]+ ms.*: [\d.]+% of the bare page/m,
  'Firestore per view': /Firestore per view: [\d.]+ reads, [\d.]+ writes/,
  'login rate and share of the bound': /^ {2}[\d.]+ logins\/s, latency p50 [\d.]+ ms, p99 [\d.]+ ms.*: [\d.]+% of the bcrypt bound/m,
  'Firestore per login': /Firestore per login: [\d.]+ reads, [\d.]+ writes/,
  'dashboard during logins': /dashboard views at \d+\/s requested, while logins saturate the CPU\n {2}[\d.]+ views\/s, latency p50 [\d.]+ ms, p99 [\d.]+ ms/,
  'startup time': /startup: \d+ ms from spawn to the first 200 from GET \/healthz/,
  'peak resident memory': /peak resident memory \(VmHWM\): [\d.]+ MiB/,
};

const TARGETS = [
  'Firestore reads per page view',
  'Firestore writes per page view',
  'Firestore reads per login',
  'Firestore writes per login',
  'of the bcrypt bound',
  'dashboard p99 < 50 ms while logins saturate the CPU',
  'dashboard throughput >= 10.0% of the bare page',
  'stretch: dashboard throughput >= 40.0% of the bare page',
];

describe('npm run bench -- --smoke', () => {
  let result: ProcessResult;
  before(
    async () => {
      const env = buildEnv(process.env, INHERITED_SETTINGS, { FIRESTORE_EMULATOR_HOST: emulatorHost() });
      result = await runNodeScript(BENCH_SCRIPT, ['--smoke'], { env, timeoutMs: 170_000 });
    },
    { timeout: 180_000 },
  );

  it('exits 0', () => {
    assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  });

  for (const [figure, pattern] of Object.entries(FIGURES)) {
    it(`reports the ${figure}`, () => {
      assert.match(result.stdout, pattern);
    });
  }

  for (const target of TARGETS) {
    it(`judges the target "${target}"`, () => {
      const targetLines = result.stdout.split('\ntargets\n')[1]?.split('\n') ?? [];
      const line = targetLines.find((text) => text.includes(target));
      assert.ok(line, `no line for the target in:\n${result.stdout}`);
      assert.match(line, /^ {2}(met {4}|MISSED )\S/);
    });
  }

  it('lists no unexpected responses', () => {
    assert.match(result.stdout, /unexpected responses and errors: none/);
  });
});
