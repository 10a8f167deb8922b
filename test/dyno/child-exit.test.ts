import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runChild } from '../../src/dyno/run-child.js';

/** A stand-in `pio` in Node: `heap` allocates until V8's heap limit, `kill` SIGKILLs itself. */
const FAKE_PIO = `#!/usr/bin/env node
if (process.argv[2] === 'heap') {
  const hoard = [];
  for (;;) hoard.push(new Array(100_000).fill(hoard.length));
}
if (process.argv[2] === 'kill') process.kill(process.pid, 'SIGKILL');
`;

/** What the heap re-exec of the native pio does with a child: `driver-memory.ts` through a tiny driver. */
const REEXEC_DRIVER = `
const { reexecWithHeapLimit } = await import(${JSON.stringify(resolve('dist/native/workflow/driver-memory.js'))});
if (process.env.PIO_NATIVE_HEAP_MB) {
  if (process.argv[2] === 'kill') process.kill(process.pid, 'SIGKILL');
  const hoard = [];
  for (;;) hoard.push(new Array(100_000).fill(hoard.length));
}
process.exitCode = await reexecWithHeapLimit(64, () => undefined);
`;

describe('children that die of a signal or of the heap limit', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function fakePio(): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'pio-child-exit-'));
    const path = join(dir, 'pio');
    await writeFile(path, FAKE_PIO, { mode: 0o755 });
    return path;
  }

  async function runCapturingStderr(argv: string[]) {
    const command = await fakePio();
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_OPTIONS: '--max-old-space-size=32' };
      const result = await runChild({ command, argv, cwd: dir!, env, secrets: [], indent: true });
      return { result, stderr: written.join('') };
    } finally {
      process.stderr.write = write;
    }
  }

  it('reports SIGKILL as a signal (137) that may be the out-of-memory killer, naming PIO_MEMORY_LIMIT', async () => {
    const { result, stderr } = await runCapturingStderr(['kill']);
    expect(result.exitCode).toBe(137);
    expect(result.signal).toBe('SIGKILL');
    expect(stderr).toContain(' !     pio kill was killed by SIGKILL (exit 137). This may be the out-of-memory killer');
    expect(stderr).toContain('PIO_MEMORY_LIMIT');
  });

  it("recognises V8's heap-limit death and names the setting", async () => {
    const { result, stderr } = await runCapturingStderr(['heap']);
    expect(result.exitCode).toBe(134);
    expect(stderr).toMatch(/JavaScript heap out of memory/);
    expect(stderr).toContain(' !     pio heap ran out of JavaScript heap. Its heap limit comes from the Spark driver memory: raise PIO_MEMORY_LIMIT');
  }, 60_000);

  it.each([
    ['kill', 137, 'was killed by SIGKILL (exit 137). This may be the out-of-memory killer'],
    ['heap', 134, 'was aborted (SIGABRT, exit 134), as V8 does when the JavaScript heap is full'],
  ])('the native heap re-exec reports a child that died of %s with its real status', async (mode, status, message) => {
    dir = await mkdtemp(join(tmpdir(), 'pio-child-exit-'));
    await writeFile(join(dir, 'pio.mjs'), REEXEC_DRIVER);
    const result = await execa(process.execPath, [join(dir, 'pio.mjs'), mode], {
      reject: false,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      extendEnv: false,
    });
    expect(result.exitCode, String(result.stderr)).toBe(status);
    expect(result.stdout).toContain(`[ERROR] [Runner$] pio ${mode} ${message}`);
    expect(result.stdout).toContain('--driver-memory, now 64m');
  }, 60_000);
});
