import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apachePioTarball, jarFixture, jdkTarball, nodeTarball, sparkTarball } from '../helpers/fixture-dist.js';
import { sha512Hex, startFixtureServer, type FixtureServer } from '../helpers/http-fixture-server.js';
import { readSpyCalls } from '../helpers/spy-pio.js';
import { snapshotCheckout } from '../helpers/checkout-snapshot.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BP = join(ROOT, 'buildpack');
const SLOW = 300_000;
const NODE_PATH = '/node/node-v20.99.0-linux-x64.tar.gz';

interface Fixtures {
  node: Buffer;
  pio: Buffer;
  spark: Buffer;
  jdbc: Buffer;
  jdk: Buffer;
}
let fixtures: Fixtures;
let server: FixtureServer;
const temps: string[] = [];

beforeAll(async () => {
  fixtures = {
    node: await nodeTarball(),
    pio: await apachePioTarball('0.14.0', { commands: { build: { stdout: ['[INFO] [Engine$] Build finished successfully.'] } } }),
    spark: await sparkTarball('2.1.3'),
    jdbc: jarFixture('postgresql'),
    jdk: await jdkTarball(),
  };
}, SLOW);

beforeEach(async () => {
  server = await startFixtureServer();
  server.put(NODE_PATH, fixtures.node, { checksum: 'none' });
  server.put('/dist/pio.tar.gz', fixtures.pio);
  server.put('/dist/spark.tgz', fixtures.spark);
  server.put('/maven/pg.jar', fixtures.jdbc, { checksum: 'coreutils' });
  server.put('/jdk/jdk8.tar.gz', fixtures.jdk, { checksum: 'coreutils' });
});

afterEach(async () => {
  await server.close();
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** What a CNB lifecycle gives a buildpack: app dir (cwd), layers dir under a layers root, platform dir. */
interface Lifecycle {
  root: string;
  app: string;
  layers: string;
  platform: string;
  plan: string;
  spyLog: string;
}

async function newLifecycle(): Promise<Lifecycle> {
  const root = await mkdtemp(join(tmpdir(), 'pio-cnb-test-'));
  temps.push(root);
  const lifecycle = {
    root,
    app: join(root, 'workspace'),
    layers: join(root, 'layers', 'pio-deploy_predictionio'),
    platform: join(root, 'platform'),
    plan: join(root, 'plan.toml'),
    spyLog: join(root, 'pio-calls.jsonl'),
  };
  await mkdir(lifecycle.app, { recursive: true });
  await mkdir(lifecycle.layers, { recursive: true });
  await mkdir(join(lifecycle.platform, 'env'), { recursive: true });
  return lifecycle;
}

async function setVars(lifecycle: Lifecycle, vars: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(vars)) await writeFile(join(lifecycle.platform, 'env', name), value);
}

function nodeVars(): Record<string, string> {
  return { NODE_DIST_URL: server.url(NODE_PATH), NODE_DIST_SHA256: createHash('sha256').update(fixtures.node).digest('hex') };
}

function cnbEnv(lifecycle: Lifecycle, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: lifecycle.root,
    CNB_PLATFORM_DIR: lifecycle.platform,
    CNB_BUILDPACK_DIR: BP,
    CNB_TARGET_OS: 'linux',
    CNB_TARGET_ARCH: 'amd64',
    PIO_SPY_LOG: lifecycle.spyLog,
    PIO_DEPLOY_FETCH_RETRY_MS: '5',
    ...extra,
  };
}

function detect(lifecycle: Lifecycle) {
  return execa('bash', [join(BP, 'bin', 'detect')], {
    cwd: lifecycle.app,
    env: cnbEnv(lifecycle, { CNB_BUILD_PLAN_PATH: lifecycle.plan }),
    extendEnv: false,
    reject: false,
  });
}

async function build(lifecycle: Lifecycle, buildpackDir = BP) {
  const planPath = join(lifecycle.root, 'bp-plan.toml');
  await writeFile(planPath, '[[entries]]\nname = "pio-deploy-predictionio"\n');
  const result = await execa('bash', [join(buildpackDir, 'bin', 'build')], {
    cwd: lifecycle.app,
    env: cnbEnv(lifecycle, { CNB_LAYERS_DIR: lifecycle.layers, CNB_BP_PLAN_PATH: planPath }),
    extendEnv: false,
    reject: false,
  });
  return { ...result, output: `${result.stdout}\n${result.stderr}` };
}

async function layerToml(lifecycle: Lifecycle, name: string) {
  return parseToml(await readFile(join(lifecycle.layers, `${name}.toml`), 'utf8')) as {
    types?: { launch?: boolean; cache?: boolean; build?: boolean };
    metadata?: Record<string, unknown>;
  };
}

/**
 * What the lifecycle does between two builds of the same app (BEHAVIOUR.md#cnb-layer-caching): cached layers come back with
 * their contents and metadata but without [types]; launch-only layers come back as metadata only;
 * everything else, launch.toml included, is gone. The app dir is a fresh checkout.
 */
async function restoreForNextBuild(lifecycle: Lifecycle): Promise<void> {
  for (const name of await readdir(lifecycle.layers)) {
    const path = join(lifecycle.layers, name);
    if (!name.endsWith('.toml')) {
      if (!(await stat(`${path}.toml`).catch(() => undefined))) await rm(path, { recursive: true, force: true });
      continue;
    }
    if (['launch.toml', 'build.toml', 'store.toml'].includes(name)) {
      await rm(path);
      continue;
    }
    const layer = name.slice(0, -'.toml'.length);
    const parsed = parseToml(await readFile(path, 'utf8')) as { types?: { cache?: boolean; launch?: boolean }; metadata?: object };
    if (parsed.types?.cache) {
      await writeFile(path, stringifyToml({ metadata: parsed.metadata ?? {} }));
    } else if (parsed.types?.launch) {
      await writeFile(path, stringifyToml({ metadata: parsed.metadata ?? {} }));
      await rm(join(lifecycle.layers, layer), { recursive: true, force: true });
    } else {
      await rm(path);
      await rm(join(lifecycle.layers, layer), { recursive: true, force: true });
    }
  }
  const files = await readdir(lifecycle.app);
  for (const name of files) if (!['engine.json', 'build.sbt', 'template.json', '.pio-eventserver'].includes(name)) {
    await rm(join(lifecycle.app, name), { recursive: true, force: true });
  }
}

describe('buildpack.toml', () => {
  it('declares Buildpack API 0.10, the package version and linux amd64/arm64 targets', async () => {
    const descriptor = parseToml(await readFile(join(BP, 'buildpack.toml'), 'utf8')) as {
      api: string;
      buildpack: { id: string; version: string };
      targets: { os: string; arch: string }[];
    };
    const [major, minor] = descriptor.api.split('.').map(Number);
    expect(major === 0 && (minor ?? 0) >= 10).toBe(true);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(descriptor.buildpack.version).toBe(pkg.version);
    expect(descriptor.buildpack.id).toMatch(/^[a-z0-9./-]+$/);
    expect(descriptor.targets).toEqual([
      { os: 'linux', arch: 'amd64' },
      { os: 'linux', arch: 'arm64' },
    ]);
    for (const script of ['detect', 'build']) expect((await stat(join(BP, 'bin', script))).mode & 0o111).not.toBe(0);
  });
});

describe('CNB bin/detect', () => {
  it('passes (0) with a build plan for engines and event-server apps, fails (100) with no plan otherwise', async () => {
    const lifecycle = await newLifecycle();
    const refused = await detect(lifecycle);
    expect(refused.exitCode).toBe(100);
    expect(refused.stderr).toContain('.pio-eventserver');
    expect(await stat(lifecycle.plan).catch(() => undefined)).toBeUndefined();

    await writeFile(join(lifecycle.app, 'engine.json'), '{}');
    const engine = await detect(lifecycle);
    expect(engine.exitCode, engine.stderr).toBe(0);
    const plan = parseToml(await readFile(lifecycle.plan, 'utf8'));
    expect(plan).toEqual({ provides: [{ name: 'pio-deploy-predictionio' }], requires: [{ name: 'pio-deploy-predictionio' }] });
    expect(await readdir(lifecycle.app)).toEqual(['engine.json']);

    await rm(join(lifecycle.app, 'engine.json'));
    await rm(lifecycle.plan);
    await writeFile(join(lifecycle.app, '.pio-eventserver'), '');
    const eventServer = await detect(lifecycle);
    expect(eventServer.exitCode).toBe(0);
    expect(await readFile(lifecycle.plan, 'utf8')).toContain('pio-deploy-predictionio');
  });
});

describe('CNB bin/build', () => {
  it(
    'builds an event-server app on the native distribution packed from the checkout, and reuses its layers',
    async () => {
      const lifecycle = await newLifecycle();
      // The pack is keyed by dist/'s content: build from a frozen copy, not the live working tree.
      const checkout = await snapshotCheckout();
      temps.push(checkout);
      const buildpack = join(checkout, 'buildpack');
      await writeFile(join(lifecycle.app, '.pio-eventserver'), '');
      await setVars(lifecycle, nodeVars());
      const first = await build(lifecycle, buildpack);
      expect(first.exitCode, first.output).toBe(0);
      expect(first.stdout).toContain('Chosen: native runtime (an event-server app)');
      expect(first.stdout).toContain('Packing the native distribution from this buildpack');

      // Node: downloaded into a launch + cache layer and put on PATH at launch.
      const node = await layerToml(lifecycle, 'node');
      expect(node.types).toEqual({ launch: true, cache: true, build: false });
      const nodeBin = (await readFile(join(lifecycle.layers, 'node', 'env.launch', 'PATH.prepend'), 'utf8')).trim();
      expect(nodeBin.startsWith(join(lifecycle.layers, 'node'))).toBe(true);

      const dist = await layerToml(lifecycle, 'distribution');
      expect(dist.types).toEqual({ launch: true, cache: true, build: false });
      expect(dist.metadata?.kind).toBe('native');
      expect(dist.metadata?.sha512).toMatch(/^[0-9a-f]{128}$/);
      expect((await layerToml(lifecycle, 'artifacts')).types).toEqual({ launch: false, cache: true, build: false });
      expect((await layerToml(lifecycle, 'pio-deploy')).types).toEqual({ launch: true, cache: false, build: false });
      expect(await readlink(join(lifecycle.app, 'PredictionIO-dist'))).toBe(join(lifecycle.layers, 'distribution'));
      expect(await stat(join(lifecycle.layers, 'jdk.toml')).catch(() => undefined)).toBeUndefined();

      const launch = parseToml(await readFile(join(lifecycle.layers, 'launch.toml'), 'utf8')) as {
        processes: { type: string; command: string[]; default?: boolean }[];
      };
      expect(launch.processes.map((p) => p.type)).toEqual(['web', 'release']);
      expect(launch.processes[0]?.default).toBe(true);
      expect(launch.processes[0]?.command.join(' ')).toContain('exec pio-deploy web');
      expect(launch.processes[1]?.command).toEqual(['pio-deploy', 'release']);

      // What a launched process finds: layer bin/ dirs and env.launch PATH, nothing from the build machine.
      const launchPath = [nodeBin, join(lifecycle.layers, 'pio-deploy', 'bin'), join(lifecycle.layers, 'distribution', 'bin'), '/usr/bin', '/bin'].join(':');
      const pio = await execa('pio', ['version'], { cwd: lifecycle.app, env: { PATH: launchPath, HOME: lifecycle.app }, extendEnv: false, reject: false });
      expect([pio.exitCode, pio.stdout.trim()], pio.stderr).toEqual([0, '0.14.0']);
      const pioDeploy = await execa('pio-deploy', ['--version'], { cwd: lifecycle.app, env: { PATH: launchPath }, extendEnv: false, reject: false });
      const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      expect([pioDeploy.exitCode, pioDeploy.stdout.trim()], pioDeploy.stderr).toEqual([0, pkg.version]);

      // Second build of the same app: cached layers restored, distribution and Node reused.
      await writeFile(join(lifecycle.layers, 'distribution', 'sentinel'), 'from the first build');
      const nodeRequests = server.requests.length;
      await restoreForNextBuild(lifecycle);
      const second = await build(lifecycle, buildpack);
      expect(second.exitCode, second.output).toBe(0);
      expect(second.stdout).toContain('Reusing the distribution layer');
      expect(second.stdout).toContain('Using cached Node');
      expect(second.stdout).not.toContain('Packing');
      expect(server.requests.length).toBe(nodeRequests);
      expect(await readFile(join(lifecycle.layers, 'distribution', 'sentinel'), 'utf8')).toBe('from the first build');
      expect((await layerToml(lifecycle, 'distribution')).types).toEqual({ launch: true, cache: true, build: false });
      expect(await stat(join(lifecycle.layers, 'launch.toml'))).toBeTruthy();
    },
    SLOW,
  );

  it(
    'builds a Scala engine on Apache PredictionIO with a JDK layer; the next build downloads nothing',
    async () => {
      const lifecycle = await newLifecycle();
      await writeFile(join(lifecycle.app, 'engine.json'), JSON.stringify({ id: 'default', engineFactory: 'org.example.Engine' }));
      await writeFile(join(lifecycle.app, 'build.sbt'), 'name := "fixture-engine"\n');
      await setVars(lifecycle, {
        ...nodeVars(),
        PREDICTIONIO_DIST_URL: server.url('/dist/pio.tar.gz'),
        SPARK_DIST_URL: server.url('/dist/spark.tgz'),
        POSTGRESQL_DRIVER_URL: server.url('/maven/pg.jar'),
        JDK_URL: server.url('/jdk/jdk8.tar.gz'),
        DATABASE_URL: 'postgres://pio:cnb-s3cret-pass@db.example.com:5432/pio',
      });
      const first = await build(lifecycle);
      expect(first.exitCode, first.output).toBe(0);
      expect(first.stdout).toContain('Installing Apache PredictionIO 0.14.0');
      expect(first.output).not.toContain('cnb-s3cret-pass');

      const dist = await layerToml(lifecycle, 'distribution');
      expect(dist.metadata?.kind).toBe('apache');
      expect(dist.metadata?.sha512).toBe(sha512Hex(fixtures.pio));
      expect(JSON.stringify(dist.metadata)).not.toContain('127.0.0.1');
      const jdk = await layerToml(lifecycle, 'jdk');
      expect(jdk.types).toEqual({ launch: true, cache: true, build: false });
      const jdkDir = join(lifecycle.layers, 'jdk');
      expect(await readFile(join(jdkDir, 'env.launch', 'JAVA_HOME.override'), 'utf8')).toBe(jdkDir);

      // pio build ran in the app with Java 8 from the jdk layer.
      const calls = await readSpyCalls(lifecycle.spyLog);
      expect(calls.map((call) => [call.argv, call.cwd])).toEqual([[['build'], lifecycle.app]]);
      expect(calls[0]?.env.JAVA_HOME).toBe(jdkDir);
      expect(calls[0]?.env.PATH?.split(':')).toContain(join(jdkDir, 'bin'));

      const launch = parseToml(await readFile(join(lifecycle.layers, 'launch.toml'), 'utf8')) as { processes: { type: string }[] };
      expect(launch.processes.map((p) => p.type)).toEqual(['web', 'train', 'release']);
      // Apache distribution: the full pio-deploy is vendored into its layer.
      expect(await stat(join(lifecycle.layers, 'pio-deploy', 'node_modules', 'commander'))).toBeTruthy();

      const before = server.requests.length;
      await restoreForNextBuild(lifecycle);
      const second = await build(lifecycle);
      expect(second.exitCode, second.output).toBe(0);
      expect(server.requests.length).toBe(before);
      expect(second.stdout).toContain('Reusing the distribution layer');
      expect(second.stdout).toContain('Reusing the jdk layer');
      expect((await lstat(join(lifecycle.app, 'PredictionIO-dist'))).isSymbolicLink()).toBe(true);
      expect(await readSpyCalls(lifecycle.spyLog)).toHaveLength(2);

      // A changed plan (another mirror) is not reused: the distribution is installed again.
      server.put('/mirror/pio.tar.gz', fixtures.pio);
      await setVars(lifecycle, { PREDICTIONIO_DIST_URL: server.url('/mirror/pio.tar.gz') });
      await restoreForNextBuild(lifecycle);
      const third = await build(lifecycle);
      expect(third.exitCode, third.output).toBe(0);
      expect(third.stdout).not.toContain('Reusing the distribution layer');
      expect(third.stdout).toContain('Using cached spark.tgz');
    },
    SLOW,
  );
});
