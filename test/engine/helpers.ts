import { afterEach, beforeEach } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage, resolveStorageSettings, type Storage } from '../../src/native/storage/index.js';
import { freePort } from '../../src/lib/net.js';
import { createApp, createPioTestContext, PIO_BIN, pioResultOf, type PioTestContext } from '../pio/helpers.js';

export const FIXTURE_ENGINE = new URL('../fixtures/engines/mean', import.meta.url).pathname;

export interface EngineTestContext extends PioTestContext {
  /** A copy of the fixture engine (so its own engine version), reading from app `appName`. */
  engineDir: string;
  appName: string;
  appId: number;
  accessKey: string;
  storage: Storage;
  /** Inserts `observe` events with these values (and optionally a poisoned one). */
  observe(values: number[], options?: { poison?: boolean }): Promise<void>;
  /** Runs `pio` with cwd = engine dir unless given. */
  run(args: string[], options?: { cwd?: string; env?: Record<string, string> }): ReturnType<PioTestContext['pio']>;
}

/** A fresh database, an app with the fixture engine copied into a temp dir pointed at it. */
export async function createEngineTestContext(): Promise<EngineTestContext> {
  const ctx = await createPioTestContext();
  // Each context has its own database, so every one can use the app name the fixture's engine.json names.
  const appName = 'MeanApp';
  const { id, key } = await createApp(ctx, appName);
  const engineDir = await mkdtemp(join(tmpdir(), 'pio-engine-test-'));
  await cp(FIXTURE_ENGINE, engineDir, { recursive: true, filter: (source) => !source.includes('/target') });
  const storage = await openStorage(resolveStorageSettings(ctx.env));
  let sequence = 0;
  return {
    ...ctx,
    engineDir,
    appName,
    appId: id,
    accessKey: key,
    storage,
    async observe(values, options = {}) {
      const base = Date.UTC(2024, 0, 1) + (sequence += 1000);
      await storage.events.insertBatch(
        { appId: id },
        [
          ...values.map((value, index) => ({
            event: 'observe',
            entityType: 'sensor',
            entityId: `s${index}`,
            properties: { value },
            eventTime: new Date(base + index),
          })),
          ...(options.poison
            ? [{ event: 'observe', entityType: 'sensor', entityId: 'poison', properties: { value: 0, poison: true }, eventTime: new Date(base) }]
            : []),
        ],
      );
    },
    run(args, options = {}) {
      return runPioIn(ctx, args, { cwd: options.cwd ?? engineDir, env: options.env });
    },
    async close() {
      await storage.close();
      await rm(engineDir, { recursive: true, force: true });
      await ctx.close();
    },
  };
}

async function runPioIn(ctx: PioTestContext, args: string[], options: { cwd: string; env?: Record<string, string> | undefined }) {
  const result = await execa(PIO_BIN, args, {
    env: { ...ctx.env, ...options.env },
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    timeout: 90_000,
    cwd: options.cwd,
    stdin: 'ignore',
  });
  return pioResultOf(result);
}

/**
 * For every test of the calling suite: a fresh engine context holding the standard observations
 * (handed to `use`), and the servers a test pushed onto `servers` killed after it.
 */
export function eachTestWithEngine(servers: DeployedEngine[], use: (ctx: EngineTestContext) => void): void {
  let ctx: EngineTestContext | undefined;
  beforeEach(async () => {
    ctx = await createEngineTestContext();
    await ctx.observe([1, 1, 1, 2, 5, 4]);
    use(ctx);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.kill()));
    await ctx?.close();
  });
}

export interface DeployedEngine {
  url: string;
  process: ResultPromise;
  /** Everything the server printed so far. */
  output(): string;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number>;
  kill(): Promise<void>;
}

/** Starts `pio deploy` in the background and waits for its "Engine API is live" line. */
export async function deploy(
  ctx: EngineTestContext,
  args: string[] = [],
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<DeployedEngine> {
  const port = options.port ?? (await freePort());
  const child = execa(PIO_BIN, ['deploy', '--ip', '127.0.0.1', '--port', String(port), ...args], {
    env: { ...ctx.env, ...options.env },
    extendEnv: false,
    reject: false,
    cwd: ctx.engineDir,
    stdin: 'ignore',
    buffer: false,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = child.then((result) => result.exitCode ?? -1);
  const live = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Engine API is live at')) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`pio deploy exited with ${code}:\n${output}`));
    });
  });
  await live;
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        // With a heap limit `pio deploy` serves from a child of its own, which SIGKILL cannot reach
        // through the parent (and which keeps the output pipes open).
        for (const pid of (await descendantPids(child.pid!)).reverse()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        child.kill('SIGKILL');
      }
      await exited.catch(() => undefined);
    },
  };
}

/** The processes below `pid`, parents before their children (Linux /proc). */
export async function descendantPids(pid: number): Promise<number[]> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''))
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  const below = await Promise.all(children.map(descendantPids));
  return children.flatMap((child, index) => [child, ...below[index]!]);
}

export async function query(url: string, body: string): Promise<{ status: number; json: unknown; text: string; contentType: string }> {
  const response = await fetch(`${url}/queries.json`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json, text, contentType: response.headers.get('content-type') ?? '' };
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
