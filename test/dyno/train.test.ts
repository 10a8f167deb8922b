import { afterEach, describe, expect, it } from 'vitest';
import { createRuntimeApp, expectNoSecrets, type RuntimeApp } from './runtime-app.js';

describe('pio-deploy train', () => {
  let app: RuntimeApp | undefined;
  afterEach(async () => {
    await app?.cleanup();
    app = undefined;
  });

  it('runs pio train -- with autoset driver memory (BEHAVIOUR.md#runtime-scripts: `train --`)', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['train']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect((await app.calls()).map((call) => call.argv)).toEqual([['train', '--', '--driver-memory', '640m']]);
  });

  it('places PIO_OPTS before -- and PIO_TRAIN_SPARK_OPTS after, with S3 options for a region', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['train'], {
      PIO_OPTS: `--variant best.json --batch "nightly run"`,
      PIO_TRAIN_SPARK_OPTS: '--master local[4] --executor-memory 2g',
      PIO_S3_AWS_REGION: 'us-west-2',
      PIO_SPARK_OPTS: '--ignored-by-train',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await app.calls())[0]?.argv).toEqual([
      'train', '--variant', 'best.json', '--batch', 'nightly run', '--',
      '--master', 'local[4]', '--executor-memory', '2g',
      '--driver-java-options', '-Dcom.amazonaws.services.s3.enableV4',
      '--conf', 'spark.executor.extraJavaOptions=-Dcom.amazonaws.services.s3.enableV4',
    ]);
  });

  it('sizes the driver from PIO_MEMORY_LIMIT and the launcher -Xmx in JAVA_OPTS', async () => {
    app = await createRuntimeApp();
    await app.run(['train'], { PIO_MEMORY_LIMIT: '14g', JAVA_OPTS: '-Xmx2g' });
    expect((await app.calls())[0]?.argv).toEqual(['train', '--', '--driver-memory', '10560m']);
  });

  it("exits with pio's status and masks secrets in its output", async () => {
    const password = 'train-secret-pw';
    app = await createRuntimeApp({
      spy: { commands: { train: { exitCode: 2, stderr: [`cannot connect with password ${password}`] } } },
    });
    const result = await app.run(['train'], { DATABASE_URL: `postgres://u:${password}@db.example/d` });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('cannot connect with password ***');
    expectNoSecrets(result, [password]);
  });

  it('rejects invalid options before running pio', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['train'], { PIO_TRAIN_SPARK_OPTS: "--conf 'unterminated" });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('PIO_TRAIN_SPARK_OPTS cannot be split into arguments (unterminated single quote');
    expect(await app.calls()).toEqual([]);
  });
});
