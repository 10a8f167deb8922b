import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntimeApp, expectNoSecrets, type RuntimeApp } from './runtime-app.js';

const ACCESS_KEY = 'Acc3ssKey_from-the-eventserver-0123456789';
const DB_PASSWORD = 'db-pa55:word@x';
const DATABASE_URL = `postgres://dbuser:${encodeURIComponent(DB_PASSWORD)}@db.example:5432/mydb`;

describe('pio-deploy web', () => {
  let app: RuntimeApp | undefined;
  afterEach(async () => {
    await app?.cleanup();
    app = undefined;
  });

  it('runs pio deploy --port $PORT -- with autoset driver memory (as in BEHAVIOUR.md#runtime-scripts)', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['web'], { PORT: '8532' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const calls = await app.calls();
    expect(calls.map((call) => call.argv)).toEqual([['deploy', '--port', '8532', '--', '--driver-memory', '640m']]);
    expect(calls[0]?.cwd).toBe(app.dir);
    expect(result.stdout).toContain('--driver-memory 640m');
  });

  it('puts PIO_OPTS before -- and PIO_SPARK_OPTS (shell-quoted) after, keeping user memory flags', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['web'], {
      PORT: '8532',
      PIO_OPTS: '--variant best.json',
      PIO_SPARK_OPTS: `--conf spark.driver.memory=3g --driver-java-options '-Da=1 -Db=2'`,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await app.calls())[0]?.argv).toEqual([
      'deploy', '--port', '8532', '--variant', 'best.json', '--',
      '--conf', 'spark.driver.memory=3g', '--driver-java-options', '-Da=1 -Db=2',
    ]);
  });

  it('appends the S3 SigV4 options when AWS_REGION is set', async () => {
    app = await createRuntimeApp();
    await app.run(['web'], { PORT: '8532', AWS_REGION: 'eu-west-1', PIO_SPARK_OPTS: '--driver-memory 1g' });
    expect((await app.calls())[0]?.argv).toEqual([
      'deploy', '--port', '8532', '--', '--driver-memory', '1g',
      '--driver-java-options', '-Dcom.amazonaws.services.s3.enableV4',
      '--conf', 'spark.executor.extraJavaOptions=-Dcom.amazonaws.services.s3.enableV4',
    ]);
  });

  const FEEDBACK_ENV = {
    PORT: '8532',
    PIO_ENABLE_FEEDBACK: 'true',
    PIO_EVENTSERVER_HOSTNAME: 'events.example.com',
    PIO_EVENTSERVER_ACCESS_KEY: ACCESS_KEY,
    PIO_EVENTSERVER_APP_NAME: 'myapp',
    DATABASE_URL,
  };

  it('adds the feedback flags (default port 80) without printing the access key; the key goes by environment', async () => {
    app = await createRuntimeApp({ spy: { commands: { deploy: { stdout: [`started with ${ACCESS_KEY}`] } } } });
    const result = await app.run(['web'], FEEDBACK_ENV);
    expect(result.exitCode, result.stderr).toBe(0);
    const [call] = await app.calls();
    expect(call?.argv).toEqual([
      'deploy', '--port', '8532', '--feedback', '--event-server-ip', 'events.example.com',
      '--event-server-port', '80', '--', '--driver-memory', '640m',
    ]);
    expect(call?.env.PIO_EVENTSERVER_ACCESS_KEY).toBe(ACCESS_KEY);
    expect(result.stdout).toContain('started with ***');
    expectNoSecrets(result, [ACCESS_KEY, DB_PASSWORD]);
  });

  it("passes --accesskey to an Apache distribution's pio deploy, which reads it nowhere else", async () => {
    app = await createRuntimeApp();
    await app.write('PredictionIO-dist/vendors/spark-hadoop/RELEASE', 'Spark\n');
    const result = await app.run(['web'], FEEDBACK_ENV);
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await app.calls())[0]?.argv).toContain('--accesskey');
  });

  it('launches pio deploy with no secret in its argv (/proc/<pid>/cmdline)', async () => {
    app = await createRuntimeApp({ spy: { commands: { deploy: { stdout: ['server up'], waitForSignal: true } } } });
    const child = app.run(['web'], FEEDBACK_ENV);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('server up')) resolve();
      });
      child.once('exit', () => reject(new Error('pio-deploy exited before pio started')));
    });
    const spy = join(app.dir, 'PredictionIO-dist', 'bin', 'pio');
    const cmdlines: string[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.split('\0').includes(spy) || cmdline.includes(app.dir)) cmdlines.push(cmdline);
    }
    child.kill('SIGTERM');
    await child;
    // pio-deploy web itself and the pio it launched
    expect(cmdlines.some((cmdline) => cmdline.split('\0').includes(spy) && cmdline.includes('deploy'))).toBe(true);
    for (const cmdline of cmdlines) {
      expect(cmdline).not.toContain(ACCESS_KEY);
      expect(cmdline).not.toContain(DB_PASSWORD);
      expect(cmdline).not.toContain(encodeURIComponent(DB_PASSWORD));
    }
  });

  it('refuses a half-configured feedback loop, naming what is missing but not the key', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['web'], {
      PORT: '8532',
      PIO_ENABLE_FEEDBACK: 'true',
      PIO_EVENTSERVER_ACCESS_KEY: ACCESS_KEY,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('PIO_ENABLE_FEEDBACK=true requires PIO_EVENTSERVER_HOSTNAME, PIO_EVENTSERVER_APP_NAME');
    expect(result.stderr).toContain('PIO_EVENTSERVER_ACCESS_KEY: set');
    expectNoSecrets(result, [ACCESS_KEY]);
    expect(await app.calls()).toEqual([]);
  });

  it('fails clearly without PORT', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['web']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('PORT is not set');
    expect(await app.calls()).toEqual([]);
  });

  it('runs the event server when PIO_RUN_AS_EVENTSERVER=true or there is no engine.json', async () => {
    app = await createRuntimeApp();
    await app.run(['web'], { PORT: '7070', PIO_RUN_AS_EVENTSERVER: 'true', PIO_OPTS: '--ignored' });
    const noEngine = await createRuntimeApp({ engine: false });
    try {
      await noEngine.run(['web'], { PORT: '7071' });
      expect((await noEngine.calls())[0]?.argv).toEqual(['eventserver', '--ip', '0.0.0.0', '--port', '7071']);
    } finally {
      await noEngine.cleanup();
    }
    expect((await app.calls())[0]?.argv).toEqual(['eventserver', '--ip', '0.0.0.0', '--port', '7070']);
  });

  it('gives pio the computed storage settings, and user PIO_STORAGE_* values win', async () => {
    app = await createRuntimeApp();
    await app.run(['web'], { PORT: '8532', DATABASE_URL, PIO_STORAGE_SOURCES_PGSQL_USERNAME: 'override' });
    const env = (await app.calls())[0]?.env ?? {};
    expect(env.PIO_STORAGE_SOURCES_PGSQL_URL).toBe('jdbc:postgresql://db.example:5432/mydb?sslmode=require');
    expect(env.PIO_STORAGE_SOURCES_PGSQL_PASSWORD).toBe(DB_PASSWORD);
    expect(env.PIO_STORAGE_SOURCES_PGSQL_USERNAME).toBe('override');
    const pioEnv = await stat(join(app.dir, 'PredictionIO-dist', 'conf', 'pio-env.sh'));
    expect(pioEnv.mode & 0o777).toBe(0o600);
  });

  describe('without a trained engine (BEHAVIOUR.md#untrained-release)', () => {
    const NO_INSTANCE = [
      '[ERROR] [Engine$] No valid engine instance found for engine x.Engine 0123abcd.',
      "[ERROR] [Engine$] Try running 'train' before 'deploy'. Aborting.",
    ];

    it('fails at once, non-zero, saying which missing config var made the release skip training', async () => {
      app = await createRuntimeApp({ spy: { commands: { deploy: { exitCode: 1, stdout: NO_INSTANCE } } } });
      await app.write('data/initial-events.json', '{}\n');
      const result = await app.run(['web'], { PORT: '8532', DATABASE_URL });
      expect(result.exitCode).toBe(1);
      expect((await app.calls()).map((call) => call.argv[0])).toEqual(['deploy']);
      expect(result.stdout).toContain('No valid engine instance found for engine x.Engine');
      expect(result.stderr).toContain(' !     No trained engine to serve: pio deploy found no completed training');
      expect(result.stderr).toContain(
        ' !     The release phase skipped training because PIO_EVENTSERVER_APP_NAME is required to load data.',
      );
      expect(result.stderr).toMatch(/ ! {5}Run pio-deploy train .* or set the missing config vars/);
      expect(result.stderr).not.toContain('embedded PostgreSQL');
      expectNoSecrets(result, [DB_PASSWORD]);
    });

    it('names PIO_TRAIN_ON_RELEASE=false and the per-dyno embedded database, and keeps a non-zero pio status', async () => {
      app = await createRuntimeApp({ spy: { commands: { deploy: { exitCode: 4, stderr: NO_INSTANCE } } } });
      const result = await app.run(['web'], { PORT: '8532', PIO_TRAIN_ON_RELEASE: 'false' });
      expect(result.exitCode).toBe(4);
      expect(result.stderr).toContain('The release phase skipped training because PIO_TRAIN_ON_RELEASE=false.');
      expect(result.stderr).toContain('No DATABASE_URL is set, so this process uses its own embedded PostgreSQL');
    });

    it('never exits 0 when pio reported that nothing is trained', async () => {
      app = await createRuntimeApp({ spy: { commands: { deploy: { exitCode: 0, stdout: NO_INSTANCE } } } });
      const result = await app.run(['web'], { PORT: '8532', DATABASE_URL });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('its output (heroku releases:output) shows why');
    });

    it('leaves other pio failures and the event server alone', async () => {
      app = await createRuntimeApp({ spy: { commands: { eventserver: { exitCode: 2, stdout: NO_INSTANCE } } } });
      const result = await app.run(['web'], { PORT: '7070', PIO_RUN_AS_EVENTSERVER: 'true' });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).not.toContain('No trained engine');
    });
  });

  it("exits with pio's exit code", async () => {
    app = await createRuntimeApp({ spy: { commands: { deploy: { exitCode: 7, stderr: ['boom'] } } } });
    const result = await app.run(['web'], { PORT: '8532' });
    expect(result.exitCode).toBe(7);
    expect(result.stderr).toContain('boom');
  });

  it('forwards SIGTERM to pio and exits with its status', async () => {
    app = await createRuntimeApp({ spy: { commands: { deploy: { stdout: ['server up'], waitForSignal: true } } } });
    const child = app.run(['web'], { PORT: '8532' });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('server up')) resolve();
      });
      child.once('exit', () => reject(new Error('pio-deploy exited before pio started')));
    });
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(143);
    const calls = await app.calls();
    expect(calls[0]?.signal).toBe('TERM');
  });
});
