import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntimeApp, expectNoSecrets, type RuntimeApp } from './runtime-app.js';

const SECRET = 's3-secret/<&>"quote';

describe('pio-deploy runtime-config', () => {
  let app: RuntimeApp | undefined;
  afterEach(async () => {
    await app?.cleanup();
    app = undefined;
  });
  const conf = (name: string) => join(app!.dir, 'PredictionIO-dist', 'conf', name);

  it('renders the four files atomically with mode 0600 and lists them without contents', async () => {
    app = await createRuntimeApp();
    const env = {
      DATABASE_URL: 'postgres://u:dbpass1234@db.example/d',
      PIO_S3_BUCKET_NAME: 'models-bucket',
      PIO_S3_AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      PIO_S3_AWS_SECRET_ACCESS_KEY: SECRET,
    };
    const result = await app.run(['runtime-config'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    for (const name of ['pio-env.sh', 'spark-defaults.conf', 'core-site.xml', 'elasticsearch.yml']) {
      expect(result.stdout).toContain(`${name} (from default)`);
      expect((await stat(conf(name))).mode & 0o777).toBe(0o600);
    }
    expect(await readFile(conf('core-site.xml'), 'utf8')).toContain('<value>s3-secret/&lt;&amp;&gt;&quot;quote</value>');
    expect(await readFile(conf('pio-env.sh'), 'utf8')).toContain(`PIO_STORAGE_SOURCES_PGSQL_PASSWORD='dbpass1234'`);
    expectNoSecrets(result, [SECRET, 'dbpass1234']);
  });

  it('--quiet prints nothing', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['runtime-config', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
  });

  it("renders an engine's config/ override with {{VAR}} templates, escaped per format", async () => {
    app = await createRuntimeApp();
    await app.write(
      'config/core-site.xml',
      '<configuration><property><name>fs.s3a.secret.key</name><value>{{PIO_S3_AWS_SECRET_ACCESS_KEY}}</value></property>' +
        '<property><name>x</name><value>{{UNSET_ONE:-fallback}}</value></property></configuration>\n',
    );
    await app.write('config/pio-env.sh', 'MY_URL={{PIO_STORAGE_SOURCES_PGSQL_URL}}\n');
    const result = await app.run(['runtime-config'], {
      PIO_S3_AWS_SECRET_ACCESS_KEY: SECRET,
      DATABASE_URL: 'postgres://u:p@db.example/d',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('core-site.xml (from config/core-site.xml)');
    expect(await readFile(conf('core-site.xml'), 'utf8')).toBe(
      '<configuration><property><name>fs.s3a.secret.key</name><value>s3-secret/&lt;&amp;&gt;&quot;quote</value></property>' +
        '<property><name>x</name><value>fallback</value></property></configuration>\n',
    );
    expect(await readFile(conf('pio-env.sh'), 'utf8')).toBe(`MY_URL='jdbc:postgresql://db.example:5432/d?sslmode=require'\n`);
  });

  it('fails clearly on an unset template variable and on a leftover ERB template', async () => {
    app = await createRuntimeApp();
    await app.write('config/spark-defaults.conf', 'spark.x {{NOT_SET_ANYWHERE}}\n');
    const unset = await app.run(['runtime-config']);
    expect(unset.exitCode).toBe(1);
    expect(unset.stderr).toContain('config/spark-defaults.conf cannot be rendered');
    expect(unset.stderr).toContain('NOT_SET_ANYWHERE is not set');

    await rm(join(app.dir, 'config', 'spark-defaults.conf'));
    await app.write('config/core-site.xml.erb', "<%= ENV['X'] %>");
    const erb = await app.run(['runtime-config']);
    expect(erb.exitCode).toBe(1);
    expect(erb.stderr).toContain('config/core-site.xml.erb is an ERB template');
    expect(erb.stderr).toContain('{{NAME}}');
  });

  it('sets datasource.params.appName in engine.json (and the PIO_OPTS variant) only when declared', async () => {
    app = await createRuntimeApp();
    const variant = { id: 'best', engineFactory: 'E', datasource: { params: { appName: 'old', evalK: 5 } } };
    await app.write('engine.json', JSON.stringify({ ...variant, id: 'default' }));
    await app.write('best.json', JSON.stringify(variant));
    await app.write('other.json', JSON.stringify({ datasource: { params: { evalK: 5 } } }));
    const result = await app.run(['runtime-config'], { PIO_EVENTSERVER_APP_NAME: 'live-app', PIO_OPTS: '--variant best.json' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((JSON.parse(await readFile(join(app.dir, 'engine.json'), 'utf8')) as typeof variant).datasource.params).toEqual({ appName: 'live-app', evalK: 5 });
    expect((JSON.parse(await readFile(join(app.dir, 'best.json'), 'utf8')) as typeof variant).datasource.params.appName).toBe('live-app');
    expect(result.stdout).toContain('engine.json: datasource.params.appName set from PIO_EVENTSERVER_APP_NAME');

    await app.write('engine.json', JSON.stringify({ datasource: { params: { evalK: 5 } } }));
    await app.run(['runtime-config'], { PIO_EVENTSERVER_APP_NAME: 'live-app' });
    expect(JSON.parse(await readFile(join(app.dir, 'engine.json'), 'utf8'))).toEqual({ datasource: { params: { evalK: 5 } } });
  });

  it('explains a missing distribution', async () => {
    app = await createRuntimeApp();
    await rm(join(app.dir, 'PredictionIO-dist'), { recursive: true });
    const result = await app.run(['runtime-config']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('No PredictionIO distribution at');
  });
});
