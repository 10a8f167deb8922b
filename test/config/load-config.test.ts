import { describe, expect, it } from 'vitest';
import { ENV_NAMES, ENV_VARIABLES, variablesForPhase } from '../../src/config/env-schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { effectiveConfigLines, variablesHelp } from '../../src/config/describe.js';
import { UserError } from '../../src/lib/errors.js';

function loadError(env: NodeJS.ProcessEnv): UserError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.values).toMatchObject({
      PIO_DISTRIBUTION: 'native',
      PIO_TRAIN_ON_RELEASE: true,
      PIO_PURGE_EVENTS_ON_SYNC: false,
      PIO_ENABLE_FEEDBACK: false,
      PIO_EVENTSERVER_PORT: 80,
      PIO_OPTS: [],
      PIO_SPARK_OPTS: [],
      PIO_TRAIN_SPARK_OPTS: [],
    });
    expect(config.values.PORT).toBeUndefined();
    expect(config.database).toBeUndefined();
    expect(config.s3).toBeUndefined();
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ PIO_TRAIN_ON_RELEASE: '', PORT: '  ', DATABASE_URL: '' });
    expect(config.values.PIO_TRAIN_ON_RELEASE).toBe(true);
    expect(config.values.PORT).toBeUndefined();
    expect(config.database).toBeUndefined();
  });

  it('parses typed values', () => {
    const config = loadConfig({
      PIO_TRAIN_ON_RELEASE: 'FALSE',
      PIO_ENABLE_FEEDBACK: 'yes',
      PORT: '5000',
      PIO_OPTS: "--variant 'best variant.json'",
      PIO_MEMORY_LIMIT: '2.5g',
      PIO_DISTRIBUTION: 'Apache',
      SPARK_DIST_SHA512: `spark.tgz: ${'ABCD1234 '.repeat(16)}`,
    });
    expect(config.values.PIO_TRAIN_ON_RELEASE).toBe(false);
    expect(config.values.PIO_ENABLE_FEEDBACK).toBe(true);
    expect(config.values.PORT).toBe(5000);
    expect(config.values.PIO_OPTS).toEqual(['--variant', 'best variant.json']);
    expect(config.values.PIO_MEMORY_LIMIT).toBe(2.5 * 1024 ** 3);
    expect(config.values.PIO_DISTRIBUTION).toBe('apache');
    expect(config.values.SPARK_DIST_SHA512).toBe('abcd1234'.repeat(16));
  });

  it('collects every invalid variable into one error naming each and its fix', () => {
    const error = loadError({
      PORT: '99999',
      PIO_TRAIN_ON_RELEASE: 'maybe',
      PIO_SPARK_OPTS: '"unterminated',
      DATABASE_URL: 'mysql://u:hunter2@h/db',
      PIO_EVENTSERVER_ACCESS_KEY: 'bad key with spaces',
      PIO_S3_BUCKET_NAME: 'bucket',
      SPARK_DIST_URL: 'ftp://x',
    });
    expect(error.message).toContain('Invalid configuration (8 problems)');
    for (const name of ['PORT', 'PIO_TRAIN_ON_RELEASE', 'PIO_SPARK_OPTS', 'DATABASE_URL', 'PIO_EVENTSERVER_ACCESS_KEY', 'SPARK_DIST_URL']) {
      expect(error.message).toContain(name);
    }
    expect(error.message).toContain('PIO_S3_AWS_ACCESS_KEY_ID is required because PIO_S3_BUCKET_NAME is set');
    expect(error.message).toContain('PIO_S3_AWS_SECRET_ACCESS_KEY is required');
    expect(error.message).toContain('PORT must be a TCP port number from 1 to 65535 (got "99999"). Fix: set PORT=5000');
    expect(error.message).toContain('PIO_TRAIN_ON_RELEASE must be true or false (got "maybe")');
    expect(error.hint).toContain('pio-deploy config --help');
    // secrets are never quoted back
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('bad key with spaces');
  });

  it('derives storage, Elasticsearch and S3 settings', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p%40ss@db.example:5433/d',
      PIO_ELASTICSEARCH_URL: 'https://e:s3cret@es.example:9243',
      PIO_S3_BUCKET_NAME: 'my-bucket',
      PIO_S3_AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      PIO_S3_AWS_SECRET_ACCESS_KEY: 'shh-secret',
      AWS_REGION: 'us-east-1',
      PIO_S3_AWS_REGION: 'eu-west-1',
      PIO_EVENTSERVER_ACCESS_KEY: 'key-1234567890',
    });
    expect(config.database?.url).toBe('jdbc:postgresql://db.example:5433/d?sslmode=require');
    expect(config.elasticsearch?.ports).toEqual([9243]);
    expect(config.s3).toEqual({
      bucket: 'my-bucket',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'shh-secret',
      region: 'eu-west-1',
      endpoint: 's3.eu-west-1.amazonaws.com',
    });
    expect(config.secrets).toEqual(expect.arrayContaining(['p@ss', 's3cret', 'shh-secret', 'AKIAEXAMPLE', 'key-1234567890']));

    const shown = effectiveConfigLines(config, {
      DATABASE_URL: 'postgres://u:p%40ss@db.example:5433/d',
      PIO_ELASTICSEARCH_URL: 'https://e:s3cret@es.example:9243',
      PIO_S3_AWS_SECRET_ACCESS_KEY: 'shh-secret',
      PIO_EVENTSERVER_ACCESS_KEY: 'key-1234567890',
    }).join('\n');
    for (const secret of ['p%40ss', 'p@ss', 's3cret', 'shh-secret', 'key-1234567890']) expect(shown).not.toContain(secret);
    expect(shown).toContain('PIO_STORAGE_SOURCES_PGSQL_URL=jdbc:postgresql://db.example:5433/d?sslmode=require');
  });

  it('collects the credentials of every URL in a list, and token-only URLs', () => {
    const config = loadConfig({
      PIO_ELASTICSEARCH_URL: 'https://es1.example:9243,https://e:second%2Fsecret@es2.example:9243',
      NATIVE_DIST_URL: 'https://download-token-123@mirror.example/native.tar.gz',
    });
    expect(config.secrets).toEqual(expect.arrayContaining(['second%2Fsecret', 'second/secret', 'download-token-123']));
  });

  it('shows URLs without credentials or presigned query strings', () => {
    const env = {
      PIO_ELASTICSEARCH_URL: 'https://es1.example:9243,https://e:second%2Fsecret@es2.example:9243',
      NATIVE_DIST_URL: 'https://download-token-123@mirror.example/native.tar.gz',
      SPARK_DIST_URL: 'https://bucket.s3.example/spark.tgz?X-Amz-Signature=abcdef0123456789',
    };
    const shown = effectiveConfigLines(loadConfig(env), env).join('\n');
    expect(shown).toContain('PIO_ELASTICSEARCH_URL=https://es1.example:9243/,https://***@es2.example:9243/');
    expect(shown).toContain('NATIVE_DIST_URL=https://***@mirror.example/native.tar.gz');
    expect(shown).toContain('SPARK_DIST_URL=https://bucket.s3.example/spark.tgz?***');
    for (const secret of ['second', 'download-token-123', 'abcdef0123456789']) expect(shown).not.toContain(secret);
  });
});

describe('the schema', () => {
  it('declares every variable with phases, default, description and example', () => {
    expect(ENV_NAMES.length).toBeGreaterThan(40);
    for (const name of ENV_NAMES) {
      const declaration = ENV_VARIABLES[name];
      expect(declaration.phases.length, name).toBeGreaterThan(0);
      expect(declaration.description.length, name).toBeGreaterThan(10);
      expect(declaration.default, name).not.toBe('');
      expect(declaration.example, name).not.toBe('');
    }
  });

  it('covers every variable of the original (BEHAVIOUR.md#original-variables) and the build overrides', () => {
    const expected = [
      'PIO_BUILD_SPARK_VERSION', 'PIO_BUILD_HADOOP_VERSION', 'PIO_MAVEN_REPO', 'PIO_VERBOSE', 'PIO_RUN_AS_EVENTSERVER',
      'PIO_S3_BUCKET_NAME', 'PIO_S3_AWS_ACCESS_KEY_ID', 'PIO_S3_AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'PIO_ELASTICSEARCH_URL',
      'DATABASE_URL', 'PIO_POSTGRES_OPTIONAL_SSL', 'PIO_EVENTSERVER_APP_NAME', 'PIO_EVENTSERVER_ACCESS_KEY',
      'PIO_EVENTSERVER_HOSTNAME', 'PIO_EVENTSERVER_PORT', 'PIO_ENABLE_FEEDBACK', 'PIO_TRAIN_ON_RELEASE',
      'PIO_PURGE_EVENTS_ON_SYNC', 'PIO_OPTS', 'PIO_SPARK_OPTS', 'PIO_TRAIN_SPARK_OPTS', 'PORT', 'HEROKU_PRIVATE_IP',
      'HEROKU_DNS_DYNO_NAME', 'PIO_UR_ELASTICSEARCH_CONCURRENCY', 'PIO_UR_ELASTICSEARCH_INDEX_REPLICAS',
      'PIO_VERSION', 'PIO_DISTRIBUTION',
      ...['PREDICTIONIO_DIST', 'SPARK_DIST', 'POSTGRESQL_DRIVER', 'HADOOP_AWS', 'AWS_JAVA_SDK', 'ELASTICSEARCH_DIST', 'NATIVE_DIST'].flatMap(
        (name) => [`${name}_URL`, `${name}_SHA512`],
      ),
    ];
    expect(ENV_NAMES).toEqual(expect.arrayContaining(expected));
    expect(variablesForPhase('build')).toEqual(expect.arrayContaining(['PIO_VERSION', 'SPARK_DIST_SHA512', 'PIO_S3_BUCKET_NAME']));
    expect(variablesForPhase('build')).not.toContain('PORT');
  });

  it('help lists every variable with its phases and default', () => {
    const help = variablesHelp();
    for (const name of ENV_NAMES) expect(help).toMatch(new RegExp(`\\b${name}\\s+\\[[a-z, ]+\\]\\s+default: `));
  });
});
