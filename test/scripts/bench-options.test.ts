import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BCRYPT_COST } from '../../src/config/config';
import { BenchUsageError, parseBenchOptions } from '../../scripts/bench/options';

describe('bench options', () => {
  it('defaults to ten-second phases at the server cost', () => {
    const options = parseBenchOptions([], {});

    assert.equal(options?.phaseSeconds, 10);
    assert.equal(options?.bcryptCost, DEFAULT_BCRYPT_COST);
    assert.equal(options?.smoke, false);
  });

  it('reads BENCH_ variables', () => {
    const options = parseBenchOptions([], { BENCH_SECONDS: '3', BENCH_BCRYPT_COST: '10' });

    assert.equal(options?.phaseSeconds, 3);
    assert.equal(options?.bcryptCost, 10);
  });

  it('lets flags win over variables', () => {
    const options = parseBenchOptions(['--seconds', '4', '--bcrypt-cost=8'], { BENCH_SECONDS: '3', BENCH_BCRYPT_COST: '10' });

    assert.equal(options?.phaseSeconds, 4);
    assert.equal(options?.bcryptCost, 8);
  });

  it('shortens everything for --smoke', () => {
    const options = parseBenchOptions(['--smoke'], {});

    assert.equal(options?.smoke, true);
    assert.equal(options?.phaseSeconds, 1);
    assert.equal(options?.bcryptCost, 4);
  });

  it('keeps a variable over the smoke default', () => {
    const options = parseBenchOptions(['--smoke'], { BENCH_SECONDS: '2' });

    assert.equal(options?.phaseSeconds, 2);
  });

  it('returns undefined for --help', () => {
    assert.equal(parseBenchOptions(['--help'], {}), undefined);
  });

  it('rejects a cost bcrypt does not accept', () => {
    assert.throws(() => parseBenchOptions([], { BENCH_BCRYPT_COST: '3' }), BenchUsageError);
  });

  it('rejects a fractional connection count', () => {
    assert.throws(() => parseBenchOptions(['--connections', '2.5'], {}), BenchUsageError);
  });

  it('rejects an unknown flag', () => {
    assert.throws(() => parseBenchOptions(['--fast'], {}), /Unknown option "--fast"/);
  });

  it('rejects a flag without a value', () => {
    assert.throws(() => parseBenchOptions(['--seconds'], {}), /needs a value/);
  });
});
