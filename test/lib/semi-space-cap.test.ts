import v8 from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { capYoungGeneration } from '../../src/lib/semi-space-cap.js';

const MB = 1024 * 1024;

function semiSpaceBytes(): number {
  const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  if (newSpace === undefined) throw new Error('no new_space in this V8');
  return newSpace.space_size / 2;
}

/** Allocation with many survivors per scavenge (what makes V8 grow the young generation), in short turns. */
async function churn(): Promise<number> {
  let kept: Array<{ i: number; s: string }> = [];
  let checksum = 0;
  for (let turn = 0; turn < 1500; turn++) {
    for (let i = 0; i < 2000; i++) {
      kept.push({ i, s: `value ${i} ${turn}` });
      if (kept.length > 60_000) {
        checksum += kept.length;
        kept = [];
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return checksum + kept.length;
}

describe('capYoungGeneration', () => {
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    stop = undefined;
    v8.setFlagsFromString('--semi-space-growth-factor=2'); // V8's default, for whatever runs next here
  });

  it('keeps the semi-spaces from growing past the cap under survivor-heavy allocation', async () => {
    const before = semiSpaceBytes();
    const capMb = Math.max(1, Math.floor(before / MB));
    stop = capYoungGeneration(capMb, {});
    expect(await churn()).toBeGreaterThan(0);
    expect(semiSpaceBytes()).toBeLessThanOrEqual(Math.max(before, capMb * MB));
  });

  it('leaves the heap alone when a young-generation flag was given in NODE_OPTIONS', () => {
    expect(capYoungGeneration(1, { NODE_OPTIONS: '--max-semi-space-size=16' })).toBeUndefined();
    expect(capYoungGeneration(1, { NODE_OPTIONS: '--semi-space-growth-factor=1' })).toBeUndefined();
    stop = capYoungGeneration(1, {});
    expect(typeof stop).toBe('function');
  });
});
