import { afterEach, describe, expect, it } from 'vitest';
import { createRuntimeApp, type RuntimeApp } from './runtime-app.js';

describe('release phase with the promotion gate', () => {
  let app: RuntimeApp | undefined;
  afterEach(async () => {
    await app?.cleanup();
    app = undefined;
  });

  it('fails the release and says why when pio train reports a refused training (PIO_TRAIN_GATE_FAIL_RELEASE=true)', async () => {
    app = await createRuntimeApp({
      spy: { commands: { train: { exitCode: 4, stdout: ['[ERROR] [PromotionGate] Not promoted: the new training scores worse by 0.4'] } } },
    });
    const gate = { PIO_TRAIN_GATE: 'metric=src/evaluation.ts#accuracy tolerance=0.01', PIO_TRAIN_GATE_FAIL_RELEASE: 'true' };
    const result = await app.run(['release'], gate);
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toContain('[PromotionGate] Not promoted');
    expect(result.stderr).toContain('did not pass the promotion gate (PIO_TRAIN_GATE, reason above); the previous model keeps serving');
  });

  it('rejects a gate setting that does not parse before loading data or training', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['release'], { PIO_TRAIN_GATE: 'metric=accuracy' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('PIO_TRAIN_GATE');
    expect(result.stderr).toContain('metric must be <module>#<export>');
    expect(await app.calls()).toEqual([]);
  });
});
