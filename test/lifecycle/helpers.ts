import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import type { Output } from '../../src/lib/output.js';
import { isRunning } from '../../src/lib/process-tree.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'bin', 'pio-deploy');

/** An Output that records what a person would see. */
export function recordingOutput(): Output & { text(): string } {
  const lines: string[] = [];
  return {
    topic: (message) => lines.push(`-----> ${message}`),
    detail: (message) => lines.push(`       ${message}`),
    warn: (message) => lines.push(` !     Warning: ${message}`),
    error: (message) => lines.push(` !     ${message}`),
    text: () => lines.join('\n'),
  };
}

export interface Sandbox {
  dir: string;
  /** Environment for CLI runs: private HOME, PIO_HOME and PIO_DEPLOY_HOME, no database from outside. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * Cleanup for every test of the calling file: what `defer` registers during a test runs after it (last
 * registered first); `sandbox()` is a sandbox removed that way.
 */
export function cleanupAfterEachTest(): { defer(cleanup: () => Promise<void>): void; sandbox(): Promise<Sandbox> } {
  const defer = cleanupAfterEach();
  return {
    defer,
    async sandbox() {
      const created = await createSandbox();
      defer(created.cleanup);
      return created;
    },
  };
}

export async function createSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'pio-lifecycle-test-'));
  const home = join(dir, 'home');
  await mkdir(home);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('PIO_') || name.startsWith('GIT_') || name === 'DATABASE_URL') continue;
    env[name] = value;
  }
  Object.assign(env, {
    HOME: home,
    PIO_HOME: join(home, '.pio'),
    PIO_DEPLOY_HOME: join(home, '.pio-deploy'),
    GIT_CONFIG_NOSYSTEM: '1',
  });
  return { dir, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function runCli(sandbox: Sandbox, args: string[], cwd = sandbox.dir, timeoutMs = 300_000) {
  return execa(CLI, args, { cwd, env: sandbox.env, extendEnv: false, reject: false, all: true, stdin: 'ignore', timeout: timeoutMs });
}

/** Pids named in a report line like `stopped web.1 (pid 12), the embedded PostgreSQL (pid 34)`. */
export function reportedPids(output: string): Map<string, number> {
  const pids = new Map<string, number>();
  const line = output.split('\n').find((text) => text.trim().startsWith('stopped ')) ?? '';
  for (const match of line.matchAll(/(web\.1|release|PostgreSQL) \(pid (\d+)\)/g)) pids.set(match[1]!, Number(match[2]));
  return pids;
}

export function runningPids(pids: Iterable<number>): number[] {
  return [...pids].filter((pid) => isRunning(pid));
}

export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}
