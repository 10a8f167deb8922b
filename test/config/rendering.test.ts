import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { renderCoreSite, renderPioEnv, renderSparkDefaults } from '../../src/config/runtime-files.js';
import { escaperFor, renderTemplate, shellEscape } from '../../src/config/template.js';
import { UserError } from '../../src/lib/errors.js';

const TRICKY_PASSWORD = `p'a"s$s\`w\\o<r>d&!`;

describe('renderTemplate', () => {
  const lookup = (env: Record<string, string>) => (name: string) => env[name];

  it('substitutes {{NAME}} and {{NAME:-default}} with escaping for the target file', () => {
    const env = { A: 'x<y', EMPTY: '' };
    expect(renderTemplate('<v>{{A}}</v><w>{{ B:-d&e }}</w><e>{{EMPTY:-fallback}}</e>', lookup(env), escaperFor('core-site.xml'), 'f')).toBe(
      '<v>x&lt;y</v><w>d&amp;e</w><e>fallback</e>',
    );
    expect(renderTemplate('X={{A}}', lookup(env), escaperFor('pio-env.sh'), 'f')).toBe(`X='x<y'`);
    expect(renderTemplate('k: {{A}}', lookup(env), escaperFor('elasticsearch.yml'), 'f')).toBe('k: "x<y"');
    expect(renderTemplate('"a": "{{A}}\\""', lookup({ A: 'q"' }), escaperFor('engine.json'), 'f')).toBe('"a": "q\\"\\""');
    expect(renderTemplate('literal \\{{A}}', lookup(env), escaperFor('x.conf'), 'f')).toBe('literal {{A}}');
  });

  it('reports every unset variable and stray {{ with line numbers', () => {
    let error: unknown;
    try {
      renderTemplate('a {{MISSING}}\nb {{ 1bad }}\nc {{OTHER}}', lookup({}), escaperFor('core-site.xml'), 'config/core-site.xml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    const message = (error as UserError).message;
    expect(message).toContain('config/core-site.xml cannot be rendered');
    expect(message).toContain('line 1: {{MISSING}} but MISSING is not set');
    expect(message).toContain('line 2: "{{" does not start a placeholder');
    expect(message).toContain('line 3: {{OTHER}}');
  });
});

describe('pio-env.sh', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pio-env-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Sources the file the way bin/load-pio-env.sh does (set -a) and prints the named variables. */
  async function sourceAndPrint(content: string, names: string[], env: Record<string, string>): Promise<Record<string, string>> {
    const file = join(dir, 'pio-env.sh');
    await writeFile(file, content);
    const script = `set -a; . "$1"; set +a; shift; for n in "$@"; do printf '%s=%s\\0' "$n" "\${!n}"; done`;
    const out = execFileSync('bash', ['-c', script, 'bash', file, ...names], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, PIO_HOME: '/app/PredictionIO-dist', HOME: '/app', ...env },
    });
    return Object.fromEntries(out.split('\0').slice(0, -1).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  }

  it('sets storage from DATABASE_URL, byte-exact even for a hostile password', async () => {
    const config = loadConfig({
      DATABASE_URL: `postgres://user:${encodeURIComponent(TRICKY_PASSWORD)}@db.example/d`,
      HEROKU_PRIVATE_IP: '10.1.2.3',
    });
    const values = await sourceAndPrint(
      renderPioEnv(config, 'apache'),
      ['PIO_STORAGE_SOURCES_PGSQL_URL', 'PIO_STORAGE_SOURCES_PGSQL_PASSWORD', 'PIO_STORAGE_REPOSITORIES_METADATA_SOURCE', 'SPARK_HOME', 'SPARK_LOCAL_IP', 'PIO_FS_BASEDIR'],
      { HEROKU_PRIVATE_IP: '10.1.2.3' },
    );
    expect(values).toEqual({
      PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:postgresql://db.example:5432/d?sslmode=require',
      PIO_STORAGE_SOURCES_PGSQL_PASSWORD: TRICKY_PASSWORD,
      PIO_STORAGE_REPOSITORIES_METADATA_SOURCE: 'PGSQL',
      SPARK_HOME: '/app/PredictionIO-dist/vendors/spark-hadoop',
      SPARK_LOCAL_IP: '10.1.2.3',
      PIO_FS_BASEDIR: '/app/.pio_store',
    });
  });

  it('only sets defaults: variables already in the environment win (BEHAVIOUR.md#predictionio-launcher)', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h/d' });
    const values = await sourceAndPrint(renderPioEnv(config, 'apache'), ['PIO_STORAGE_SOURCES_PGSQL_URL', 'SPARK_HOME'], {
      PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:postgresql://mine/x',
      SPARK_HOME: '/opt/spark',
    });
    expect(values).toEqual({ PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:postgresql://mine/x', SPARK_HOME: '/opt/spark' });
  });

  it('uses Elasticsearch for metadata when configured, and no PGSQL URL for native without DATABASE_URL', async () => {
    const withEs = renderPioEnv(loadConfig({ PIO_ELASTICSEARCH_URL: 'https://u:p@es.example:9243' }), 'native');
    const values = await sourceAndPrint(
      withEs,
      ['PIO_STORAGE_REPOSITORIES_METADATA_SOURCE', 'PIO_STORAGE_SOURCES_ELASTICSEARCH_PORTS', 'PIO_STORAGE_SOURCES_PGSQL_URL'],
      {},
    );
    expect(values).toEqual({
      PIO_STORAGE_REPOSITORIES_METADATA_SOURCE: 'ELASTICSEARCH',
      PIO_STORAGE_SOURCES_ELASTICSEARCH_PORTS: '9243',
      PIO_STORAGE_SOURCES_PGSQL_URL: '',
    });
    expect(renderPioEnv(loadConfig({}), 'apache')).toContain(`PIO_STORAGE_SOURCES_PGSQL_URL='jdbc:postgresql://localhost:5432/pio'`);
  });
});

describe('core-site.xml and spark-defaults.conf', () => {
  it('renders S3A with an escaped secret and the regional endpoint', () => {
    const xml = renderCoreSite(
      loadConfig({
        PIO_S3_BUCKET_NAME: 'my-bucket',
        PIO_S3_AWS_ACCESS_KEY_ID: 'AKIA1',
        PIO_S3_AWS_SECRET_ACCESS_KEY: 'a<b>&c',
        AWS_REGION: 'eu-central-1',
      }),
    );
    expect(xml).toContain('<name>fs.defaultFS</name>\n    <value>s3a://my-bucket</value>');
    expect(xml).toContain('<value>a&lt;b&gt;&amp;c</value>');
    expect(xml).toContain('<value>s3.eu-central-1.amazonaws.com</value>');
    expect(renderCoreSite(loadConfig({}))).toMatch(/<configuration>\n<\/configuration>/);
  });

  it('renders elasticsearch-hadoop settings only with Elasticsearch', () => {
    const conf = renderSparkDefaults(loadConfig({ PIO_ELASTICSEARCH_URL: 'https://el:p%5Cw@es.example:9243' }));
    expect(conf).toContain('spark.es.nodes es.example');
    expect(conf).toContain('spark.es.port 9243');
    expect(conf).toContain('spark.es.net.ssl true');
    expect(conf).toContain('spark.es.net.http.auth.pass p\\\\w');
    expect(renderSparkDefaults(loadConfig({}))).not.toContain('spark.es');
  });

  it('shell escaping survives bash for any byte string', () => {
    for (const value of [TRICKY_PASSWORD, '', "'", '\n', 'a b\tc']) {
      expect(execFileSync('bash', ['-c', `printf '%s' ${shellEscape(value)}`], { encoding: 'utf8' })).toBe(value);
    }
  });
});
