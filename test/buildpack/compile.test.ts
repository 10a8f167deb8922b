import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tar from 'tar';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { releaseYaml } from '../../src/buildpack/procfile.js';
import { apachePioTarball, jarFixture, jdkTarball, nativeTarball, sparkTarball } from '../helpers/fixture-dist.js';
import { gpgSha512, sha512Hex, startFixtureServer, type FixtureServer } from '../helpers/http-fixture-server.js';
import { readSpyCalls } from '../helpers/spy-pio.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'buildpack', 'bin');
const SLOW = 240_000;
const DB_PASSWORD = 's3cr3t-db-pass';
const MIRROR_PASSWORD = 'mirr0r-Passw0rd';

const PIO_PATH = '/dist/apache-predictionio-0.14.0-bin.tar.gz';
const SPARK_PATH = '/dist/spark-2.1.3-bin-hadoop2.7.tgz';
const JDBC_PATH = '/maven/postgresql-42.7.4.jar';
const JDK_PATH = '/jdk/jdk8-fixture.tar.gz';

interface Fixtures {
  pio: Buffer;
  failingPio: Buffer;
  spark: Buffer;
  jdbc: Buffer;
  native: Buffer;
  jdk: Buffer;
}
let fixtures: Fixtures;

/** One simulated platform build: fresh BUILD_DIR and ENV_DIR, a CACHE_DIR that tests may share. */
interface Platform {
  root: string;
  build: string;
  cache: string;
  env: string;
  spyLog: string;
}

let server: FixtureServer;
const temps: string[] = [];

beforeAll(async () => {
  fixtures = {
    pio: await apachePioTarball('0.14.0', {
      commands: { build: { stdout: ['[INFO] [Engine$] Build finished successfully.'] } },
    }),
    failingPio: await apachePioTarball('0.14.0', {
      commands: {
        build: {
          exitCode: 1,
          stdout: ['[INFO] [Console$] Using command sbt package'],
          stderr: [`[ERROR] could not connect with password ${DB_PASSWORD}`, '[ERROR] compilation failed'],
        },
      },
    }),
    spark: await sparkTarball('2.1.3'),
    jdbc: jarFixture('postgresql'),
    native: await nativeTarball({ commands: { build: { stdout: ['[INFO] [Engine$] native build done'] } } }),
    jdk: await jdkTarball(),
  };
}, SLOW);

beforeEach(async () => {
  server = await startFixtureServer();
  server.put(PIO_PATH, fixtures.pio);
  server.put(SPARK_PATH, fixtures.spark);
  server.put(JDBC_PATH, fixtures.jdbc, { checksum: 'coreutils' });
  server.put(JDK_PATH, fixtures.jdk, { checksum: 'none' });
});

afterEach(async () => {
  await server.close();
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function newPlatform(cache?: string): Promise<Platform> {
  const root = await mkdtemp(join(tmpdir(), 'pio-compile-test-'));
  temps.push(root);
  const platform = {
    root,
    build: join(root, 'build'),
    cache: cache ?? join(root, 'cache'),
    env: join(root, 'env'),
    spyLog: join(root, 'pio-calls.jsonl'),
  };
  await mkdir(platform.build);
  await mkdir(platform.env);
  return platform;
}

async function scalaEngine(dir: string, version = '0.14.0'): Promise<void> {
  await writeFile(join(dir, 'engine.json'), JSON.stringify({ id: 'default', engineFactory: 'org.example.Engine' }));
  await writeFile(join(dir, 'template.json'), JSON.stringify({ pio: { version: { min: version } } }));
  await writeFile(join(dir, 'build.sbt'), `name := "fixture-engine"\n`);
}

async function setVars(platform: Platform, vars: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(vars)) await writeFile(join(platform.env, name), value);
}

function apacheVars(): Record<string, string> {
  return {
    PREDICTIONIO_DIST_URL: server.url(PIO_PATH),
    SPARK_DIST_URL: server.url(SPARK_PATH),
    POSTGRESQL_DRIVER_URL: server.url(JDBC_PATH),
    JDK_URL: server.url(JDK_PATH),
    JDK_SHA512: sha512Hex(fixtures.jdk),
    PIO_EVENTSERVER_APP_NAME: 'fixture-app',
    DATABASE_URL: `postgres://pio:${DB_PASSWORD}@db.example.com:5432/pio`,
  };
}

/** Runs a buildpack script the way a platform does: bash, absolute paths, a cwd that is not the buildpack. */
async function run(script: string, args: string[], platform: Platform, env: Record<string, string> = {}, binDir = BIN) {
  const result = await execa('bash', [join(binDir, script), ...args], {
    cwd: platform.root,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: platform.root,
      STACK: 'heroku-24',
      PIO_SPY_LOG: platform.spyLog,
      PIO_DEPLOY_FETCH_RETRY_MS: '5',
      ...env,
    },
    extendEnv: false,
    reject: false,
  });
  return { ...result, output: `${result.stdout}\n${result.stderr}` };
}

function compile(platform: Platform, env: Record<string, string> = {}) {
  return run('compile', [platform.build, platform.cache, platform.env], platform, env);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Every cache entry must be a verified file named by its own SHA-512. */
async function expectCleanCache(cache: string): Promise<string[]> {
  const dir = join(cache, 'pio-deploy', 'artifacts');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name !== 'by-url');
  for (const name of names) expect(sha512Hex(await readFile(join(dir, name)))).toBe(name);
  return names;
}

describe('the repository root as a buildpack URL', () => {
  // Heroku runs bin/detect, bin/compile and bin/release at the root of the buildpack's repository.
  const ROOT_BIN = join(ROOT, 'bin');

  it('root bin/detect and bin/release answer exactly as buildpack/bin does', async () => {
    const platform = await newPlatform();
    const refusedRoot = await run('detect', [platform.build], platform, {}, ROOT_BIN);
    const refused = await run('detect', [platform.build], platform);
    expect([refusedRoot.exitCode, refusedRoot.stdout, refusedRoot.stderr]).toEqual([refused.exitCode, refused.stdout, refused.stderr]);
    expect(refusedRoot.exitCode).toBe(1);
    await scalaEngine(platform.build);
    const detected = await run('detect', [platform.build], platform, {}, ROOT_BIN);
    expect([detected.exitCode, detected.stdout]).toEqual([0, 'PredictionIO']);
    const release = await run('release', [platform.build], platform, {}, ROOT_BIN);
    expect([release.exitCode, release.stdout, release.stderr]).toEqual([0, releaseYaml().trimEnd(), '']);
  });

  it(
    'root bin/compile builds the app like buildpack/bin/compile',
    async () => {
      const platform = await newPlatform();
      await scalaEngine(platform.build);
      await setVars(platform, apacheVars());
      const result = await run('compile', [platform.build, platform.cache, platform.env], platform, {}, ROOT_BIN);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain('-----> Installing Apache PredictionIO 0.14.0');
      expect(await exists(join(platform.build, 'PredictionIO-dist', 'bin', 'pio'))).toBe(true);
      expect(await readFile(join(platform.build, 'Procfile'), 'utf8')).toContain('web: pio-deploy web');
    },
    SLOW,
  );
});

describe('bin/detect', () => {
  it('accepts engines and event-server apps, refuses anything else clearly, and writes nothing', async () => {
    const platform = await newPlatform();
    const refused = await run('detect', [platform.build], platform);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('engine.json');
    expect(refused.stderr).toContain('.pio-eventserver');

    await writeFile(join(platform.build, '.pio-eventserver'), '');
    const eventServer = await run('detect', [platform.build], platform);
    expect([eventServer.exitCode, eventServer.stdout, eventServer.stderr]).toEqual([0, 'PredictionIO event server', '']);

    await writeFile(join(platform.build, 'template.json'), '{}');
    expect((await run('detect', [platform.build], platform)).stdout).toBe('PredictionIO');
    await rm(join(platform.build, 'template.json'));
    await writeFile(join(platform.build, 'engine.json'), '{}');
    const engine = await run('detect', [platform.build], platform);
    expect([engine.exitCode, engine.stdout, engine.stderr]).toEqual([0, 'PredictionIO', '']);
    expect((await readdir(platform.build)).sort()).toEqual(['.pio-eventserver', 'engine.json']);
  });
});

describe('bin/release', () => {
  it('prints YAML with default_process_types and nothing on stderr', async () => {
    const platform = await newPlatform();
    const result = await run('release', [platform.build], platform);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(parseYaml(result.stdout)).toEqual({
      default_process_types: { web: 'pio-deploy web', train: 'pio-deploy train', release: 'pio-deploy release' },
    });
    expect(`${result.stdout}\n`).toBe(releaseYaml('engine'));
  });
});

describe('Heroku CI hooks', () => {
  it('bin/test runs the engine tests with the distribution sbt and passes its exit status on', async () => {
    const platform = await newPlatform();
    await writeFile(join(platform.build, 'build.sbt'), 'name := "x"\n');
    await mkdir(join(platform.build, 'PredictionIO-dist', 'sbt'), { recursive: true });
    const sbt = join(platform.build, 'PredictionIO-dist', 'sbt', 'sbt');
    await writeFile(sbt, '#!/usr/bin/env bash\necho "sbt $* in $PWD"\nexit ${SBT_FIXTURE_EXIT:-0}\n', { mode: 0o755 });
    const passed = await run('test', [platform.build, platform.env], platform);
    expect(passed.exitCode).toBe(0);
    expect(passed.stdout).toContain('-----> Running engine tests (sbt test)');
    expect(passed.stdout).toContain(`sbt test in ${platform.build}`);
    const failed = await run('test', [platform.build, platform.env], platform, { SBT_FIXTURE_EXIT: '3' });
    expect(failed.exitCode).toBe(3);

    const empty = await newPlatform();
    const none = await run('test', [empty.build, empty.env], empty);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain('No tests to run');
  });

  it('bin/test-compile compiles exactly like bin/compile', async () => {
    const platform = await newPlatform();
    await scalaEngine(platform.build, '0.10.0');
    const result = await run('test-compile', [platform.build, platform.cache, platform.env], platform);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('-----> Preparing pio-deploy');
    expect(result.stderr).toContain('PredictionIO 0.10.0 (from template.json pio.version.min) is no longer supported');
  });
});

describe('bin/compile', () => {
  it(
    'installs the distribution, builds the engine, and a second build with the same cache downloads nothing',
    async () => {
      const first = await newPlatform();
      await scalaEngine(first.build);
      await setVars(first, { ...apacheVars(), LD_PRELOAD: '/tmp/evil.so' });
      const result = await compile(first);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain('-----> Installing Apache PredictionIO 0.14.0 (Scala 2.11.12, Spark 2.1.3, Hadoop 2.7.7)');
      expect(result.stdout).toContain('version from template.json pio.version.min');
      expect(result.stdout).toMatch(/^ {7}Verified apache-predictionio-0\.14\.0-bin\.tar\.gz/m);
      expect(result.stderr).toBe('');
      const downloaded = server.bytesServed();
      expect(downloaded).toBeGreaterThan(fixtures.pio.length + fixtures.spark.length);

      const dist = join(first.build, 'PredictionIO-dist');
      expect(await readFile(join(dist, 'RELEASE'), 'utf8')).toBe('PredictionIO 0.14.0\n');
      expect(await exists(join(dist, 'vendors', 'spark-hadoop', 'bin', 'spark-submit'))).toBe(true);
      expect(await exists(join(dist, 'vendors', 'spark-hadoop', 'examples'))).toBe(false);
      expect(await readFile(join(dist, 'lib', 'postgresql_jdbc.jar'))).toEqual(fixtures.jdbc);

      // pio build ran once, quietly, in the app, with the build's config vars but not the denied ones.
      const calls = await readSpyCalls(first.spyLog);
      expect(calls.map((call) => [call.argv, call.cwd])).toEqual([[['build'], first.build]]);
      expect(calls[0]?.env.PIO_EVENTSERVER_APP_NAME).toBe('fixture-app');
      expect(calls[0]?.env.LD_PRELOAD).toBeUndefined();
      expect(result.stdout).not.toContain('Build finished successfully');

      expect(await readFile(join(first.build, 'Procfile'), 'utf8')).toBe(
        'web: pio-deploy web\ntrain: pio-deploy train\nrelease: pio-deploy release\n',
      );
      const profile = await readFile(join(first.build, '.profile.d', 'pio-deploy.sh'), 'utf8');
      expect(profile).toContain('$HOME/.pio-deploy/bin');
      expect(profile).toContain('pio-deploy runtime-config');
      expect(profile).not.toContain(first.root);
      expect(profile).not.toMatch(/set -e|exit/);

      // The vendored pio-deploy runs on its own: production dependencies complete, dev tools left out.
      const vendored = join(first.build, '.pio-deploy');
      expect(await exists(join(vendored, 'node_modules', 'commander'))).toBe(true);
      expect(await exists(join(vendored, 'node_modules', 'vitest'))).toBe(false);
      expect(await exists(join(vendored, 'node_modules', 'typescript'))).toBe(false);
      const help = await execa(process.execPath, [join(vendored, 'bin', 'pio-deploy'), '--help'], { reject: false });
      expect(help.exitCode, help.stderr).toBe(0);

      const leftovers = (await readdir(first.build)).filter((name) => /staging|unpack|\.tmp/.test(name));
      expect(leftovers).toEqual([]);
      // PredictionIO, Spark, the JDBC driver and the JDK, each verified once.
      expect(await expectCleanCache(first.cache)).toHaveLength(4);
      expect(calls[0]?.env.JAVA_HOME).toBe(join(first.build, '.jdk'));
      expect(calls[0]?.env.PATH?.split(':')).toContain(join(first.build, '.jdk', 'bin'));
      expect(profile).toContain('JAVA_HOME="$HOME/.jdk"');

      // Same cache, new checkout: zero requests, zero bytes.
      const second = await newPlatform(first.cache);
      await scalaEngine(second.build);
      await setVars(second, apacheVars());
      const requestsBefore = server.requests.length;
      const again = await compile(second);
      expect(again.exitCode, again.output).toBe(0);
      expect(server.requests.length).toBe(requestsBefore);
      expect(server.bytesServed()).toBe(downloaded);
      expect(again.stdout).toContain('Using cached apache-predictionio-0.14.0-bin.tar.gz');
      expect(again.stdout).toContain('(0 B downloaded)');
      expect(await exists(join(second.build, 'PredictionIO-dist', 'bin', 'pio'))).toBe(true);
    },
    SLOW,
  );

  it(
    'fails on a corrupted artifact with a clear message, no PredictionIO-dist and no poisoned cache entry',
    async () => {
      server.setBehaviour(SPARK_PATH, 'corrupt');
      const platform = await newPlatform();
      await scalaEngine(platform.build);
      await setVars(platform, apacheVars());
      const result = await compile(platform);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/^ ! {5}spark-2\.1\.3-bin-hadoop2\.7\.tgz failed verification: its SHA-512 is/m);
      expect(result.stderr).toContain('Nothing was installed or cached');
      expect(server.requests.filter((r) => r.path === SPARK_PATH)).toHaveLength(1);
      expect(await exists(join(platform.build, 'PredictionIO-dist'))).toBe(false);
      expect(await exists(join(platform.build, 'Procfile'))).toBe(false);
      expect((await readdir(platform.build)).sort()).toEqual(['build.sbt', 'engine.json', 'template.json']);
      const cached = await expectCleanCache(platform.cache);
      expect(cached).not.toContain(sha512Hex(fixtures.spark));
      expect(await readSpyCalls(platform.spyLog)).toEqual([]);
    },
    SLOW,
  );

  it(
    'fails on a 404 without retrying, naming the variable to fix',
    async () => {
      server.setBehaviour(PIO_PATH, 'not-found');
      const platform = await newPlatform();
      await scalaEngine(platform.build);
      await setVars(platform, apacheVars());
      const result = await compile(platform);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain('Could not download Apache PredictionIO 0.14.0.');
      expect(result.stderr).toContain('answered HTTP 404');
      expect(result.stderr).toContain('PREDICTIONIO_DIST_URL');
      expect(server.requests.filter((r) => r.path === PIO_PATH)).toHaveLength(1);
      expect(await exists(join(platform.build, 'PredictionIO-dist'))).toBe(false);
      expect(await expectCleanCache(platform.cache)).toEqual([]);
    },
    SLOW,
  );

  it(
    'retries a truncated body, then fails with no partial install',
    async () => {
      server.setBehaviour(SPARK_PATH, 'truncate');
      const platform = await newPlatform();
      await scalaEngine(platform.build);
      await setVars(platform, apacheVars());
      const result = await compile(platform);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/closed early|cut short/);
      expect(result.stdout).toContain('Retrying in');
      expect(server.requests.filter((r) => r.path === SPARK_PATH)).toHaveLength(4);
      expect(await exists(join(platform.build, 'PredictionIO-dist'))).toBe(false);
      const cacheFiles = await readdir(join(platform.cache, 'pio-deploy', 'artifacts'));
      expect(cacheFiles.filter((name) => name.endsWith('.tmp'))).toEqual([]);
      await expectCleanCache(platform.cache);
    },
    SLOW,
  );

  it(
    'installs from a file:// mirror and writes the event-server Procfile when PIO_RUN_AS_EVENTSERVER=true',
    async () => {
      const platform = await newPlatform();
      const mirror = join(platform.root, 'mirror');
      await mkdir(mirror);
      const files: Record<string, Buffer> = {
        'pio.tar.gz': fixtures.pio,
        'spark.tgz': fixtures.spark,
        'pg.jar': fixtures.jdbc,
        'jdk.tar.gz': fixtures.jdk,
      };
      for (const [name, body] of Object.entries(files)) {
        await writeFile(join(mirror, name), body);
        await writeFile(join(mirror, `${name}.sha512`), gpgSha512(name, body));
      }
      await scalaEngine(platform.build, '0.12.1');
      await setVars(platform, {
        PREDICTIONIO_DIST_URL: pathToFileURL(join(mirror, 'pio.tar.gz')).toString(),
        SPARK_DIST_URL: pathToFileURL(join(mirror, 'spark.tgz')).toString(),
        POSTGRESQL_DRIVER_URL: pathToFileURL(join(mirror, 'pg.jar')).toString(),
        JDK_URL: pathToFileURL(join(mirror, 'jdk.tar.gz')).toString(),
        // An event-server app gets the native runtime unless told otherwise.
        PIO_DISTRIBUTION: 'apache',
        PIO_RUN_AS_EVENTSERVER: 'true',
      });
      const result = await compile(platform);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain('Installing Apache PredictionIO 0.12.1');
      expect(server.requests).toEqual([]);
      expect(await readFile(join(platform.build, 'Procfile'), 'utf8')).toBe('web: pio-deploy web\nrelease: pio-deploy release\n');
      expect(result.stdout).toContain('Configuring the event server app');
      // An event server never runs the engine: it is not built.
      expect(await readSpyCalls(platform.spyLog)).toEqual([]);
      expect(await exists(join(platform.build, '.jdk', 'bin', 'java'))).toBe(true);
    },
    SLOW,
  );

  it(
    "keeps the app's own Procfile, streams pio build with PIO_VERBOSE=true, and installs S3 jars when a bucket is set",
    async () => {
      server.put('/maven/hadoop-aws-2.7.3.jar', jarFixture('hadoop-aws'));
      server.put('/maven/aws-java-sdk-1.7.4.jar', jarFixture('aws-sdk'));
      const platform = await newPlatform();
      await scalaEngine(platform.build);
      await writeFile(join(platform.build, 'Procfile'), 'web: custom-server\n');
      await setVars(platform, {
        ...apacheVars(),
        PIO_VERBOSE: 'true',
        PIO_S3_BUCKET_NAME: 'fixture-bucket',
        PIO_S3_AWS_ACCESS_KEY_ID: 'AKIAFIXTUREKEY00',
        PIO_S3_AWS_SECRET_ACCESS_KEY: 'fixture/Secret+AccessKey0123',
        HADOOP_AWS_URL: server.url('/maven/hadoop-aws-2.7.3.jar'),
        AWS_JAVA_SDK_URL: server.url('/maven/aws-java-sdk-1.7.4.jar'),
      });
      const result = await compile(platform);
      expect(result.exitCode, result.output).toBe(0);
      expect(await readFile(join(platform.build, 'Procfile'), 'utf8')).toBe('web: custom-server\n');
      expect(result.stdout).toContain("Using the app's Procfile");
      expect((await readSpyCalls(platform.spyLog)).map((call) => call.argv)).toEqual([['build', '--verbose']]);
      expect(result.stdout).toContain('       [INFO] [Engine$] Build finished successfully.');
      const dist = join(platform.build, 'PredictionIO-dist');
      expect(await readFile(join(dist, 'lib', 'spark', 'hadoop-aws.jar'))).toEqual(jarFixture('hadoop-aws'));
      expect(await readFile(join(dist, 'lib', 'spark', 'aws-java-sdk.jar'))).toEqual(jarFixture('aws-sdk'));
      expect(result.output).not.toContain('fixture/Secret+AccessKey0123');
    },
    SLOW,
  );

  it(
    'never prints secrets: DATABASE_URL password, mirror credentials, or a password echoed by a failing pio build',
    async () => {
      server.put(PIO_PATH, fixtures.failingPio);
      server.requireAuth('mirror-user', MIRROR_PASSWORD);
      const withCredentials = (path: string) => server.url(path).replace('http://', `http://mirror-user:${MIRROR_PASSWORD}@`);
      const platform = await newPlatform();
      await scalaEngine(platform.build);
      await setVars(platform, {
        ...apacheVars(),
        PREDICTIONIO_DIST_URL: withCredentials(PIO_PATH),
        SPARK_DIST_URL: withCredentials(SPARK_PATH),
        POSTGRESQL_DRIVER_URL: withCredentials(JDBC_PATH),
        JDK_URL: withCredentials(JDK_PATH),
      });
      const result = await compile(platform);
      expect(result.exitCode).not.toBe(0);
      expect(server.requests.every((r) => r.status !== 401)).toBe(true);
      // The failing build's output is shown (it was quiet), with the password hidden.
      expect(result.stdout).toContain('[ERROR] could not connect with password ***');
      expect(result.stdout).toContain('Downloading apache-predictionio-0.14.0-bin.tar.gz from http://***@127.0.0.1');
      expect(result.stderr).toContain('pio build failed (exit status 1)');
      expect(result.output).not.toContain(DB_PASSWORD);
      expect(result.output).not.toContain(MIRROR_PASSWORD);

      // The error path of a download redacts too.
      const missing = await newPlatform();
      await scalaEngine(missing.build);
      await setVars(missing, {
        ...apacheVars(),
        PREDICTIONIO_DIST_URL: withCredentials('/dist/nothing-here.tar.gz'),
        PREDICTIONIO_DIST_SHA512: sha512Hex(fixtures.pio),
      });
      const failed = await compile(missing);
      expect(failed.exitCode).not.toBe(0);
      expect(failed.stderr).toContain('answered HTTP 404');
      expect(failed.output).not.toContain(MIRROR_PASSWORD);
    },
    SLOW,
  );

  it(
    'refuses unsupported versions with the supported list before downloading anything',
    async () => {
      const platform = await newPlatform();
      await scalaEngine(platform.build, '0.11.0-incubating');
      await setVars(platform, apacheVars());
      const result = await compile(platform);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain('PredictionIO 0.11.0-incubating (from template.json pio.version.min) is no longer supported');
      expect(result.stderr).toContain('0.12.0-incubating, 0.12.1, 0.13.0, 0.14.0');
      expect(server.requests).toEqual([]);
    },
    SLOW,
  );

  it(
    'installs a native distribution through the same path, for an event-server app without engine.json',
    async () => {
      server.put('/native/pio-native.tar.gz', fixtures.native, { checksum: 'none' });
      const platform = await newPlatform();
      await writeFile(join(platform.build, '.pio-eventserver'), '');
      await setVars(platform, {
        NATIVE_DIST_URL: server.url('/native/pio-native.tar.gz'),
        NATIVE_DIST_SHA512: sha512Hex(fixtures.native),
      });
      const result = await compile(platform);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain('native runtime (an event-server app)');
      expect(await readFile(join(platform.build, 'PredictionIO-dist', 'conf', 'README'), 'utf8')).toContain('native');
      expect(await readSpyCalls(platform.spyLog)).toEqual([]);
      expect(await readFile(join(platform.build, 'Procfile'), 'utf8')).toBe('web: pio-deploy web\nrelease: pio-deploy release\n');
    },
    SLOW,
  );

  it(
    'downloads the pinned-style Node into the cache when the one on PATH is too old, and vendors it',
    async () => {
      // A Node "distribution" whose bin/node runs this machine's Node: enough to exercise download,
      // verification, caching and vendoring without the real 40 MB tarball.
      const work = await mkdtemp(join(tmpdir(), 'pio-node-fixture-'));
      temps.push(work);
      const top = join(work, 'node-v20.99.0-linux-x64');
      await mkdir(join(top, 'bin'), { recursive: true });
      await writeFile(join(top, 'bin', 'node'), `#!/bin/sh\nexec "${process.execPath}" "$@"\n`, { mode: 0o755 });
      await writeFile(join(top, 'LICENSE'), 'fixture license\n');
      await tar.c({ gzip: true, cwd: work, file: join(work, 'node.tar.gz'), portable: true }, ['node-v20.99.0-linux-x64']);
      const nodeTarball = await readFile(join(work, 'node.tar.gz'));
      server.put('/node/node.tar.gz', nodeTarball, { checksum: 'none' });
      const oldNodeDir = join(work, 'old-node');
      await mkdir(oldNodeDir);
      await writeFile(join(oldNodeDir, 'node'), '#!/bin/sh\necho v18.20.0\n');
      await chmod(join(oldNodeDir, 'node'), 0o755);

      const platform = await newPlatform();
      await scalaEngine(platform.build);
      const sha256 = createHash('sha256').update(nodeTarball).digest('hex');
      await setVars(platform, { ...apacheVars(), NODE_DIST_URL: server.url('/node/node.tar.gz'), NODE_DIST_SHA256: sha256 });
      const env = { PATH: `${oldNodeDir}:${process.env.PATH ?? ''}` };
      const result = await compile(platform, env);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain('Node on PATH is v18.20.0; pio-deploy needs 20 or newer');
      expect(result.stdout).toContain('(downloaded, verified)');
      expect(await exists(join(platform.build, '.pio-deploy', 'node', 'bin', 'node'))).toBe(true);
      expect(await exists(join(platform.cache, 'pio-deploy', 'node', sha256, 'bin', 'node'))).toBe(true);

      const second = await newPlatform(platform.cache);
      await scalaEngine(second.build);
      await setVars(second, { ...apacheVars(), NODE_DIST_URL: server.url('/node/node.tar.gz'), NODE_DIST_SHA256: 'a'.repeat(64) });
      const mismatch = await compile(second, env);
      expect(mismatch.exitCode).not.toBe(0);
      expect(mismatch.stderr).toContain('The Node.js download failed verification');
      expect(await readdir(join(platform.cache, 'pio-deploy', 'node'))).toEqual([sha256]);

      const requests = server.requests.filter((r) => r.path === '/node/node.tar.gz').length;
      await writeFile(join(second.env, 'NODE_DIST_SHA256'), sha256);
      const cached = await compile(second, env);
      expect(cached.exitCode, cached.output).toBe(0);
      expect(cached.stdout).toContain('Using cached Node');
      expect(server.requests.filter((r) => r.path === '/node/node.tar.gz')).toHaveLength(requests);
    },
    SLOW,
  );
});
