import { execa, type ResultPromise } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { readSpyCalls, writeSpyPio, type SpyCall, type SpyPioOptions } from '../helpers/spy-pio.js';

const CLI = resolve('bin/pio-deploy');

/** A throwaway app dir laid out like a slug: PredictionIO-dist/bin/pio is the spy. */
export interface RuntimeApp {
  dir: string;
  spyLog: string;
  /** Environment every run starts from: PATH for bash/node, a fixed memory budget, the spy log. */
  baseEnv: Record<string, string>;
  /** Runs `bin/pio-deploy <args> --app-dir <dir>`. */
  run(args: string[], env?: Record<string, string>): ResultPromise<{ reject: false; env: Record<string, string>; extendEnv: false }>;
  /** Runs `bin/pio-deploy <args>` in the app dir, for commands without --app-dir. */
  runPlain(args: string[], env?: Record<string, string>): ResultPromise<{ reject: false; env: Record<string, string>; extendEnv: false }>;
  calls(): Promise<SpyCall[]>;
  write(path: string, content: string, mode?: number): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createRuntimeApp(options: { engine?: boolean; spy?: SpyPioOptions } = {}): Promise<RuntimeApp> {
  const dir = await mkdtemp(join(tmpdir(), 'pio-runtime-app-'));
  const home = join(dir, 'home');
  await mkdir(home);
  await mkdir(join(dir, 'PredictionIO-dist', 'conf'), { recursive: true });
  await writeSpyPio(join(dir, 'PredictionIO-dist', 'bin'), options.spy);
  if (options.engine ?? true) {
    await writeFile(join(dir, 'engine.json'), JSON.stringify({ id: 'default', engineFactory: 'x.Engine', datasource: { params: {} } }));
  }
  const spyLog = join(dir, 'spy.jsonl');
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PIO_SPY_LOG: spyLog, PIO_MEMORY_LIMIT: '1g' };
  return {
    dir,
    spyLog,
    baseEnv,
    run: (args, env = {}) =>
      execa(CLI, [...args, '--app-dir', dir], { reject: false, env: { ...baseEnv, ...env }, extendEnv: false, cwd: dir }),
    runPlain: (args, env = {}) =>
      execa(CLI, args, { reject: false, env: { ...baseEnv, ...env }, extendEnv: false, cwd: dir }),
    calls: () => readSpyCalls(spyLog),
    async write(path, content, mode) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content, mode === undefined ? undefined : { mode });
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** No secret value may appear anywhere a person or a log collector can read. */
export function expectNoSecrets(result: { stdout: unknown; stderr: unknown }, secrets: string[]): void {
  for (const secret of secrets) {
    expect(String(result.stdout), `stdout leaks ${secret.slice(0, 2)}…`).not.toContain(secret);
    expect(String(result.stderr), `stderr leaks ${secret.slice(0, 2)}…`).not.toContain(secret);
  }
}
