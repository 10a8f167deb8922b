import { execa } from 'execa';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('pio-deploy buildpack cnb-package', () => {
  it('writes a self-contained CNB directory whose scripts find pio-deploy inside it', async () => {
    const work = await mkdtemp(join(tmpdir(), 'pio-cnb-package-'));
    temps.push(work);
    const out = join(work, 'cnb');
    const result = await execa(process.execPath, [join(ROOT, 'bin', 'pio-deploy'), 'buildpack', 'cnb-package', '--output', out], { reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['README.md', 'bin', 'buildpack.toml', 'lib', 'pio-deploy']);
    expect(await readFile(join(out, 'buildpack.toml'), 'utf8')).toBe(await readFile(join(ROOT, 'buildpack', 'buildpack.toml'), 'utf8'));
    const bundled = join(out, 'pio-deploy');
    expect(await stat(join(bundled, 'package-lock.json'))).toBeTruthy();
    expect(await stat(join(bundled, 'node_modules', 'commander'))).toBeTruthy();
    expect(await stat(join(bundled, 'node_modules', 'vitest')).catch(() => undefined)).toBeUndefined();
    const version = await execa(process.execPath, [join(bundled, 'bin', 'pio-deploy'), '--version'], { reject: false });
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect([version.exitCode, version.stdout.trim()]).toEqual([0, pkg.version]);
    expect(await readdir(work)).toEqual(['cnb']);

    const again = await execa(process.execPath, [join(ROOT, 'bin', 'pio-deploy'), 'buildpack', 'cnb-package', '--output', out], { reject: false });
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toContain('already exists');
  }, 120_000);
});
