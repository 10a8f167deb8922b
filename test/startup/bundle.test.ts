import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { cp, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRuntimeBundle, freshBundleEntry } from '../../src/native/pio/bundle.js';
import { freePort } from '../../src/lib/net.js';
import { createApp, createPioTestContext, type PioTestContext } from '../pio/helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * A copy of the built runtime (bin/, dist/ without the bundle, package.json; node_modules linked) in a
 * temp dir, bundled there, so the tests can edit dist files without touching the checkout.
 */
let runtime: string;
let moduleLog: string;
let register: string;
let ctx: PioTestContext;
const children: ChildProcess[] = [];

beforeAll(async () => {
  runtime = await mkdtemp(join(tmpdir(), 'pio-bundle-test-'));
  await cp(join(ROOT, 'dist'), join(runtime, 'dist'), {
    recursive: true,
    filter: (source) => !source.startsWith(join(ROOT, 'dist', 'native', 'bundle')) && !source.endsWith('.map'),
  });
  await cp(join(ROOT, 'bin'), join(runtime, 'bin'), { recursive: true });
  await cp(join(ROOT, 'package.json'), join(runtime, 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(runtime, 'node_modules'));
  await buildRuntimeBundle(runtime);
  // A module-resolution hook that logs every module URL the pio process loads, one per line.
  moduleLog = join(runtime, 'modules.log');
  const hooks = join(runtime, 'log-hooks.mjs');
  await writeFile(
    hooks,
    `import { appendFileSync } from 'node:fs';\n` +
      `export async function resolve(specifier, context, next) {\n` +
      `  const result = await next(specifier, context);\n` +
      `  appendFileSync(${JSON.stringify(moduleLog)}, result.url + '\\n');\n` +
      `  return result;\n}\n`,
  );
  register = join(runtime, 'log-register.mjs');
  await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  ctx = await createPioTestContext();
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await ctx?.close();
  if (runtime) await rm(runtime, { recursive: true, force: true });
});

/** Runs the copy's bin/pio (through node, to log its modules); returns its output and the loaded module URLs. */
async function pio(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number; modules: string[] }> {
  await rm(moduleLog, { force: true });
  const result = await execa(process.execPath, ['--import', register, join(runtime, 'bin', 'pio'), ...args], {
    env: ctx.env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  });
  const modules = (await readFile(moduleLog, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1, modules };
}

const BUNDLED_PROGRAM = '/dist/native/bundle/program.js';
const MODULE_PROGRAM = '/dist/native/pio/program.js';
const ranBundle = (modules: string[]) => modules.some((url) => url.endsWith(BUNDLED_PROGRAM)) && !modules.some((url) => url.endsWith(MODULE_PROGRAM));
const ranModules = (modules: string[]) => modules.some((url) => url.endsWith(MODULE_PROGRAM)) && !modules.some((url) => url.includes('/dist/native/bundle/'));

describe('the native runtime bundle', () => {
  it('is readable by everyone and names every dist module it was built from', async () => {
    const bundleDir = join(runtime, 'dist', 'native', 'bundle');
    expect((await stat(bundleDir)).mode & 0o777).toBe(0o755);
    const manifest = JSON.parse(await readFile(join(bundleDir, 'manifest.json'), 'utf8')) as { inputs: Record<string, unknown> };
    expect(Object.keys(manifest.inputs)).toEqual(
      expect.arrayContaining(['dist/native/pio/program.js', 'dist/native/eventserver/run.js', 'dist/native/engineserver/deploy.js']),
    );
    expect(Object.keys(manifest.inputs).every((path) => path.startsWith('dist/'))).toBe(true);
    expect(await freshBundleEntry(runtime)).toBe(`file://${join(bundleDir, 'program.js')}`);
  });

  it('is what bin/pio runs while dist/ is unchanged, also after dist files were rewritten with the same bytes', async () => {
    const first = await pio(['version']);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toBe('0.14.0');
    expect(ranBundle(first.modules)).toBe(true);

    // tsc rewrites every file on each build: a new mtime alone must not make the bundle stale.
    const program = join(runtime, 'dist', 'native', 'pio', 'program.js');
    await writeFile(program, await readFile(program));
    const again = await pio(['version']);
    expect(again.stdout).toBe('0.14.0');
    expect(ranBundle(again.modules)).toBe(true);
    // The verified file's new mtime is written back, so later starts need not hash it again.
    const manifest = JSON.parse(await readFile(join(runtime, 'dist', 'native', 'bundle', 'manifest.json'), 'utf8')) as {
      inputs: Record<string, { mtimeMs: number }>;
    };
    expect(manifest.inputs['dist/native/pio/program.js']?.mtimeMs).toBe((await stat(program)).mtimeMs);
  });

  it('is ignored when a file it was built from changed, so a bare tsc rebuild never runs stale code', async () => {
    const versionModule = join(runtime, 'dist', 'native', 'version', 'index.js');
    const original = await readFile(versionModule, 'utf8');
    const before = await stat(versionModule);
    // Same size, different content: only the hash tells them apart.
    const edited = original.replace("'0.14.0'", "'9.14.0'");
    expect(edited.length).toBe(original.length);
    expect(edited).not.toBe(original);
    try {
      await writeFile(versionModule, edited);
      const changed = await pio(['version']);
      expect(changed.exitCode).toBe(0);
      expect(changed.stdout).toBe('9.14.0');
      expect(ranModules(changed.modules)).toBe(true);

      // A different size is noticed without hashing.
      await writeFile(versionModule, `${edited}\n// edited\n`);
      const grown = await pio(['version']);
      expect(grown.stdout).toBe('9.14.0');
      expect(ranModules(grown.modules)).toBe(true);
    } finally {
      await writeFile(versionModule, original);
      await utimes(versionModule, before.atime, before.mtime);
    }
    const restored = await pio(['version']);
    expect(restored.stdout).toBe('0.14.0');
    expect(ranBundle(restored.modules)).toBe(true);
  });

  it('is ignored without a readable manifest', async () => {
    const manifest = join(runtime, 'dist', 'native', 'bundle', 'manifest.json');
    const saved = await readFile(manifest);
    try {
      await writeFile(manifest, '{"format":"something-else"}');
      expect(await freshBundleEntry(runtime)).toBeUndefined();
      await rm(manifest);
      const result = await pio(['version']);
      expect(result.stdout).toBe('0.14.0');
      expect(ranModules(result.modules)).toBe(true);
    } finally {
      await writeFile(manifest, saved);
    }
  });

  it('runs the app commands and the Event Server: events are stored through the bundled pg and fastify', async () => {
    const created = await pio(['app', 'new', 'BundleApp']);
    expect(created.exitCode).toBe(0);
    expect(ranBundle(created.modules)).toBe(true);
    const key = /Access Key: (\S+)/.exec(created.stdout)?.[1];
    expect(key).toBeTruthy();

    const port = await freePort();
    const child = spawn(process.execPath, [join(runtime, 'bin', 'pio'), 'eventserver', '--ip', '127.0.0.1', '--port', String(port)], {
      env: ctx.env,
      stdio: 'ignore',
    });
    children.push(child);
    const deadline = Date.now() + 30_000;
    let alive: Response | undefined;
    while (!alive && Date.now() < deadline) {
      alive = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (!alive) await new Promise((r) => setTimeout(r, 50));
    }
    expect(alive?.status).toBe(200);
    expect(await alive?.json()).toEqual({ status: 'alive' });

    const posted = await fetch(`http://127.0.0.1:${port}/events.json?accessKey=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'rate', entityType: 'user', entityId: 'u1', properties: { rating: 4 } }),
    });
    expect(posted.status).toBe(201);
    const { eventId } = (await posted.json()) as { eventId: string };
    const fetched = await fetch(`http://127.0.0.1:${port}/events/${eventId}.json?accessKey=${key}`);
    expect(await fetched.json()).toMatchObject({ eventId, event: 'rate', entityId: 'u1', properties: { rating: 4 } });

    // An invalid event is answered by the bundled validation path, not a crash.
    const invalid = await fetch(`http://127.0.0.1:${port}/events.json?accessKey=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"event":"rate"}',
    });
    expect(invalid.status).toBe(400);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
    expect(code).toBe(0);

    // Apps made elsewhere (the checkout's pio) show up in the bundled `pio app list`.
    const { id } = await createApp(ctx, 'ListedApp');
    const listed = await pio(['app', 'list']);
    expect(listed.exitCode).toBe(0);
    expect(ranBundle(listed.modules)).toBe(true);
    expect(listed.stdout).toMatch(new RegExp(`ListedApp \\|\\s+${id} \\|`));
    expect(listed.stdout).toContain('BundleApp');
  });
});

