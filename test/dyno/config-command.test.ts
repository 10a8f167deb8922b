import { afterEach, describe, expect, it } from 'vitest';
import { ENV_NAMES } from '../../src/config/env-schema.js';
import { createRuntimeApp, expectNoSecrets, type RuntimeApp } from './runtime-app.js';

describe('pio-deploy config', () => {
  let app: RuntimeApp | undefined;
  afterEach(async () => {
    await app?.cleanup();
    app = undefined;
  });

  it('--help prints every variable with phase and default', async () => {
    app = await createRuntimeApp();
    const result = await app.runPlain(['config', '--help']);
    expect(result.exitCode).toBe(0);
    for (const name of ENV_NAMES) expect(result.stdout).toContain(name);
    expect(result.stdout).toContain('PIO_EVENTSERVER_PORT');
    expect(result.stdout).toMatch(/PIO_TRAIN_ON_RELEASE\s+\[release\]\s+default: true/);
    expect(result.stdout).toContain('Example:');
  });

  it('prints effective values with every secret hidden', async () => {
    app = await createRuntimeApp();
    const secrets = { db: 'dbSecret#1', es: 'esSecret#2', key: 'accessKeySecret3', s3: 'awsSecret4' };
    const result = await app.runPlain(['config'], {
      DATABASE_URL: `postgres://u:${encodeURIComponent(secrets.db)}@db.example/d`,
      PIO_ELASTICSEARCH_URL: `https://e:${encodeURIComponent(secrets.es)}@es.example:9243`,
      PIO_EVENTSERVER_ACCESS_KEY: secrets.key,
      PIO_S3_BUCKET_NAME: 'bucket-1',
      PIO_S3_AWS_ACCESS_KEY_ID: 'AKIAID',
      PIO_S3_AWS_SECRET_ACCESS_KEY: secrets.s3,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Configuration is valid');
    expect(result.stdout).toContain('PIO_STORAGE_SOURCES_ELASTICSEARCH_PORTS=9243');
    expect(result.stdout).toContain('PIO_EVENTSERVER_ACCESS_KEY=(set, hidden)');
    expectNoSecrets(result, [...Object.values(secrets), encodeURIComponent(secrets.db), encodeURIComponent(secrets.es)]);
  });

  it('reports all invalid variables at once, exit 1', async () => {
    app = await createRuntimeApp();
    const result = await app.runPlain(['config'], { PORT: 'http', PIO_VERBOSE: 'sure', DATABASE_URL: 'postgres://u:topsecret@h' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Invalid configuration (3 problems)');
    expect(result.stderr).toMatch(/PORT must be a TCP port/);
    expect(result.stderr).toMatch(/PIO_VERBOSE must be true or false/);
    expect(result.stderr).toMatch(/DATABASE_URL is invalid/);
    expectNoSecrets(result, ['topsecret']);
  });
});
