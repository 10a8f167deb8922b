import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import { embeddedPostgresStatus, stopEmbeddedPostgres } from '../../src/native/storage/embedded.js';
import { appLayout, readJson, routerStateSchema, webStateSchema } from '../../src/platform/app-state.js';
import { freePort } from '../../src/lib/net.js';
import { groupMembers, isRunning, waitFor } from '../../src/lib/process-tree.js';
import { stopApp } from '../../src/platform/router-client.js';
import { CLI } from './helpers.js';

/**
 * The user's real path with OUR buildpack (not the fixture): `pio-deploy init --template classification`,
 * `pio-deploy remote add`, `git push` (real compile packing the native distribution, release phase
 * importing and training on an embedded PostgreSQL, engine server behind the router), a redeploy under
 * load, and `remote stop`. Slow: one test, generous timeouts.
 */

const PUSH_TIMEOUT_MS = 240_000;
const QUERY = { voice_usage: 12, data_usage: 0, text_usage: 4 };

const defer = cleanupAfterEach();

interface Sandbox {
  dir: string;
  tmp: string;
  pioHome: string;
  env: Record<string, string>;
}

/** Private HOME, PIO_HOME, PIO_DEPLOY_HOME and TMPDIR; no database or git settings from outside. */
async function createSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'pio-real-buildpack-test-'));
  const home = join(dir, 'home');
  const tmp = join(dir, 'tmp');
  await mkdir(home);
  await mkdir(tmp);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(PIO_|GIT_)/.test(name) || /DATABASE_URL$/.test(name)) continue;
    env[name] = value;
  }
  // Not the default ~/.pio: the platform must use the pusher's PIO_HOME for the embedded PostgreSQL.
  const pioHome = join(dir, 'pio-home');
  Object.assign(env, {
    HOME: home,
    PIO_HOME: pioHome,
    PIO_DEPLOY_HOME: join(home, '.pio-deploy'),
    TMPDIR: tmp,
    GIT_CONFIG_NOSYSTEM: '1',
  });
  return { dir, tmp, pioHome, env };
}

function run(sandbox: Sandbox, command: string, args: string[], cwd: string) {
  return execa(command, args, { cwd, env: sandbox.env, extendEnv: false, reject: false, all: true, stdin: 'ignore', timeout: PUSH_TIMEOUT_MS });
}

/** `git push demo main`, remembering when each piece of output arrived (to see that it streams). */
async function push(sandbox: Sandbox, appDir: string) {
  const started = Date.now();
  const subprocess = run(sandbox, 'git', ['push', 'demo', 'main'], appDir);
  const arrivals: Array<{ at: number; text: string }> = [];
  subprocess.all?.on('data', (chunk: Buffer) => arrivals.push({ at: Date.now() - started, text: chunk.toString() }));
  const result = await subprocess;
  const elapsedMs = Date.now() - started;
  /** Milliseconds after the push started at which `text` had been received. */
  const receivedAt = (text: string) => {
    let seen = '';
    for (const arrival of arrivals) {
      seen += arrival.text;
      if (seen.includes(text)) return arrival.at;
    }
    return undefined;
  };
  return { exitCode: result.exitCode, output: result.all ?? '', elapsedMs, receivedAt };
}

function postJson(port: number, path: string, body: unknown, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end(payload);
  });
}

function getJson(port: number, path: string): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000, headers: { accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path} answered ${res.statusCode}: ${text}`));
        else resolvePromise(JSON.parse(text));
      });
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

/** The engine server's status (`GET /` as JSON): which trained instance it serves, with which params. */
async function servedEngine(port: number): Promise<{ instanceId: string; numTrees: unknown }> {
  const status = (await getJson(port, '/')) as {
    engineInformation: { instanceId: string };
    algorithms: Array<{ parameters: { numTrees?: unknown } }>;
  };
  return { instanceId: status.engineInformation.instanceId, numTrees: status.algorithms[0]?.parameters.numTrees };
}

/** A valid classification answer: `{"service_plan": <one of the 8 plans>}`. */
function isValidPlan(body: string): boolean {
  try {
    const answer = JSON.parse(body) as { service_plan?: unknown };
    return Object.keys(answer).length === 1 && Number.isInteger(answer.service_plan) && (answer.service_plan as number) >= 0 && (answer.service_plan as number) < 8;
  } catch {
    return false;
  }
}

/** Queries the app back to back until stopped; every answer must be a 200 with a valid service plan. */
function pollQueries(port: number) {
  let running = true;
  const failures: string[] = [];
  let requests = 0;
  const loop = (async () => {
    const deadline = Date.now() + PUSH_TIMEOUT_MS;
    while (running && Date.now() < deadline) {
      requests++;
      try {
        const response = await postJson(port, '/queries.json', QUERY);
        if (response.status !== 200 || !isValidPlan(response.body)) failures.push(`HTTP ${response.status}: ${response.body}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { failures, requests };
    },
  };
}

/** Running (non-zombie) processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmdline.includes(text) && isRunning(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

/** What the app's own smoke-queries.jsonl expects for QUERY (the answer the template documents). */
async function expectedAnswer(appDir: string): Promise<unknown> {
  const lines = (await readFile(join(appDir, 'smoke-queries.jsonl'), 'utf8')).split('\n').filter((line) => line.startsWith('{'));
  const specs = lines.map((line) => JSON.parse(line) as { query: unknown; expect?: unknown });
  const spec = specs.find((candidate) => JSON.stringify(candidate.query) === JSON.stringify(QUERY));
  if (!spec?.expect) throw new Error(`smoke-queries.jsonl has no expectation for ${JSON.stringify(QUERY)}`);
  return spec.expect;
}

describe('git push with the real buildpack', () => {
  it(
    'deploys an init app (compile, import, train, serve), redeploys a change with zero failed queries, and stops cleanly',
    async () => {
      const sandbox = await createSandbox();
      defer(() => rm(sandbox.dir, { recursive: true, force: true }));
      defer(async () => void (await stopEmbeddedPostgres(sandbox.pioHome)));
      // Also where a platform that ignored PIO_HOME would have put it.
      defer(async () => void (await stopEmbeddedPostgres(join(sandbox.env.HOME!, '.pio'))));
      const appDir = join(sandbox.dir, 'app');
      const platformDir = join(sandbox.dir, 'platform');
      const layout = appLayout(platformDir);
      // Stop whatever a failing run left behind, by pid.
      defer(async () => void (await stopApp(layout)));

      // 1. init, remote add, first push.
      const init = await run(sandbox, CLI, ['init', appDir, '--template', 'classification'], sandbox.dir);
      expect(init.exitCode, init.all).toBe(0);
      await run(sandbox, 'git', ['config', 'user.name', 'Test'], appDir);
      await run(sandbox, 'git', ['config', 'user.email', 'test@example.com'], appDir);
      const port = await freePort();
      const added = await run(sandbox, CLI, ['remote', 'add', 'demo', '--dir', platformDir, '--port', String(port)], appDir);
      expect(added.exitCode, added.all).toBe(0);

      const first = await push(sandbox, appDir);
      expect(first.exitCode, first.output).toBe(0);
      for (const line of [
        'remote: -----> PredictionIO app detected',
        'remote: -----> Installing native PredictionIO-compatible runtime',
        'remote:        Packing the native distribution from this buildpack',
        'remote: -----> Building the engine (pio build)',
        'remote: -----> Running release command...',
        'remote: -----> Launching...',
        'remote:        Released v1',
        `remote:        http://127.0.0.1:${port}/ deployed to the local platform`,
      ]) {
        expect(first.output, line).toContain(line);
      }
      const initialEvents = (await readFile(join(appDir, 'data', 'initial-events.json'), 'utf8')).split('\n').filter((line) => line.trim());
      expect(first.output).toContain(`Imported ${initialEvents.length} event(s)`);
      expect(first.output).toContain('Training completed successfully.');
      // Streamed, not buffered until the end: compile output arrived while release and boot still ran.
      expect(first.receivedAt('-----> PredictionIO app detected')).toBeLessThan(first.elapsedMs - 2_000);

      const answer = await postJson(port, '/queries.json', QUERY);
      expect(answer.status, answer.body).toBe(200);
      expect(JSON.parse(answer.body)).toEqual(await expectedAnswer(appDir));
      const v1 = await servedEngine(port);
      expect(v1.numTrees).toBe(31);
      const router = await readJson(layout.router, routerStateSchema);
      const web1 = await readJson(layout.web, webStateSchema);
      expect(router && isRunning(router.pid)).toBe(true);
      expect(web1?.version).toBe(1);
      const web1Pids = groupMembers(web1!.pid);
      expect(web1Pids.length).toBeGreaterThan(0);

      // 2. A visible change, pushed while a client queries continuously.
      const engineJsonPath = join(appDir, 'engine.json');
      const engineJson = JSON.parse(await readFile(engineJsonPath, 'utf8')) as { algorithms: Array<{ params: Record<string, unknown> }> };
      engineJson.algorithms[0]!.params.numTrees = 17;
      await writeFile(engineJsonPath, `${JSON.stringify(engineJson, null, 2)}\n`);
      const committed = await run(sandbox, 'git', ['commit', '--quiet', '-am', 'Fewer trees'], appDir);
      expect(committed.exitCode, committed.all).toBe(0);
      const poller = pollQueries(port);
      const second = await push(sandbox, appDir);
      await waitFor(() => false, 300);
      const polled = await poller.stop();
      expect(second.exitCode, second.output).toBe(0);
      expect(second.output).toContain('remote:        Using cached pio-deploy-native-');
      expect(second.output).toContain('"numTrees":17');
      expect(second.output).toContain('remote:        Released v2');
      expect(polled.failures).toEqual([]);
      expect(polled.requests).toBeGreaterThan(20);
      const v2 = await servedEngine(port);
      expect(v2.numTrees).toBe(17);
      expect(v2.instanceId).not.toBe(v1.instanceId);
      const afterChange = await postJson(port, '/queries.json', QUERY);
      expect(afterChange.status).toBe(200);
      expect(isValidPlan(afterChange.body), afterChange.body).toBe(true);
      const web2 = await readJson(layout.web, webStateSchema);
      expect(web2?.version).toBe(2);
      const web2Pids = groupMembers(web2!.pid);
      expect(web2Pids.length).toBeGreaterThan(0);
      // The old release's whole process tree is gone once the new one serves.
      expect(await waitFor(() => groupMembers(web1!.pid).length === 0, 10_000)).toBe(true);

      console.info(
        `real buildpack: first push ${(first.elapsedMs / 1000).toFixed(1)} s, second push ${(second.elapsedMs / 1000).toFixed(1)} s, ` +
          `${polled.requests} queries during the second push`,
      );

      // 3. Stop: nothing of the app runs any more; only the embedded PostgreSQL, until it is stopped too.
      const stopped = await run(sandbox, CLI, ['remote', 'stop', 'demo'], appDir);
      expect(stopped.exitCode, stopped.all).toBe(0);
      expect(stopped.all).toContain('Stopped demo');
      expect(isRunning(router!.pid)).toBe(false);
      expect(groupMembers(web1!.pid)).toEqual([]);
      expect(groupMembers(web2!.pid)).toEqual([]);
      expect([router!.pid, ...web1Pids, ...web2Pids].filter((pid) => isRunning(pid))).toEqual([]);
      await expect(postJson(port, '/queries.json', QUERY, 1_000)).rejects.toThrow();
      const postgres = await embeddedPostgresStatus(sandbox.pioHome);
      expect(postgres.running).toBe(true);
      expect(processesMentioning(sandbox.dir)).toEqual([postgres.pid]);
      expect(await stopEmbeddedPostgres(sandbox.pioHome)).toBe(true);
      expect(processesMentioning(sandbox.dir)).toEqual([]);
      // Builds, release phases and dynos removed their temp dirs.
      expect(await readdir(sandbox.tmp)).toEqual([]);
    },
    600_000,
  );
});
