import { execa, type ResultPromise } from 'execa';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/lib/net.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.js';

/**
 * Support for the templates' end-to-end tests: a template copied to a fresh directory, a fresh
 * PostgreSQL database, and the real `bin/pio` run against both, the way a user would.
 */

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const pioBin = join(projectRoot, 'bin', 'pio');

export interface PioResult {
  exitCode: number | undefined;
  output: string;
}

export interface EngineWorkspace {
  engineDir: string;
  appName: string;
  /** The environment `pio` runs with (storage settings), for processes a test starts itself. */
  env: NodeJS.ProcessEnv;
  /** Runs `bin/pio` in the engine directory; throws with the output when it fails. */
  pio(args: string[], options?: { allowFailure?: boolean }): Promise<PioResult>;
  /** `pio app new`, returning the app ID. */
  createApp(): Promise<number>;
  /** Imports the given event lines (a subset of the template's data/initial-events.json) into the app. */
  importEvents(appId: number, lines: string[]): Promise<void>;
  /** `pio deploy` on an ephemeral port; resolves once the engine answers. */
  deploy(): Promise<DeployedEngine>;
  cleanup(): Promise<void>;
}

export interface DeployedEngine {
  url: string;
  query(body: unknown): Promise<{ status: number; body: unknown }>;
  /** `pio undeploy` for this server; resolves with the exit code of the `pio deploy` process. */
  undeploy(): Promise<number | undefined>;
}

/** The template's data/initial-events.json, one event JSON text per line. */
export async function templateEventLines(template: string): Promise<string[]> {
  const text = await readFile(join(projectRoot, 'templates', 'engines', template, 'data', 'initial-events.json'), 'utf8');
  return text.split('\n').filter((line) => line.trim() !== '');
}

export async function createEngineWorkspace(template: string): Promise<EngineWorkspace> {
  const database: TestDatabase = await createTestDatabase(`pio_${template.replace(/-/g, '_')}`);
  const root = await mkdtemp(join(tmpdir(), `pio-template-${template}-`));
  const engineDir = join(root, template);
  await cp(join(projectRoot, 'templates', 'engines', template), engineDir, {
    recursive: true,
    filter: (source) => basename(source) !== 'target' && !source.endsWith('.test.ts'),
  });
  const appName = `${template}App`;
  const url = new URL(database.url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PIO_') || key === 'DATABASE_URL') delete env[key];
  Object.assign(env, {
    PIO_HOME: join(root, 'pio-home'),
    // Storage settings as conf/pio-env.sh gives them (the test server speaks no TLS).
    PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
    PIO_STORAGE_SOURCES_PGSQL_URL: `jdbc:postgresql://${url.hostname}:${url.port}${url.pathname}?sslmode=disable`,
    PIO_STORAGE_SOURCES_PGSQL_USERNAME: decodeURIComponent(url.username),
    PIO_STORAGE_SOURCES_PGSQL_PASSWORD: decodeURIComponent(url.password),
    PIO_EVENTSERVER_APP_NAME: appName,
  });
  const servers: ResultPromise[] = [];

  const pio = async (args: string[], options: { allowFailure?: boolean } = {}): Promise<PioResult> => {
    const result = await execa(pioBin, args, { cwd: engineDir, env, extendEnv: false, all: true, reject: false, timeout: 120_000 });
    const output = result.all ?? '';
    if (result.exitCode !== 0 && !options.allowFailure) {
      throw new Error(`pio ${args.join(' ')} exited with ${result.exitCode}:\n${output}`);
    }
    return { exitCode: result.exitCode, output };
  };

  const startServer = async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = execa(pioBin, ['deploy', '--ip', '127.0.0.1', '--port', String(port)], {
      cwd: engineDir,
      env,
      extendEnv: false,
      all: true,
      reject: false,
    });
    servers.push(server);
    let text = '';
    server.all?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const output = () => text;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null && server.exitCode !== undefined) {
        return { ready: false as const, failure: `pio deploy exited with ${server.exitCode}:\n${text}` };
      }
      const up = await fetch(`${url}/`).then(
        (response) => response.ok,
        () => false,
      );
      if (up) return { ready: true as const, port, url, server, output };
      if (Date.now() > deadline) return { ready: false as const, failure: `pio deploy did not answer on ${url} within 60 s:\n${text}` };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  return {
    engineDir,
    appName,
    env,
    pio,
    async createApp() {
      const { output } = await pio(['app', 'new', appName]);
      const id = /ID: (\d+)/.exec(output)?.[1];
      if (id === undefined) throw new Error(`pio app new printed no app ID:\n${output}`);
      return Number(id);
    },
    async importEvents(appId, lines) {
      const input = join(root, 'events.json');
      await writeFile(input, `${lines.join('\n')}\n`);
      await pio(['import', '--appid', String(appId), '--input', input]);
    },
    async deploy() {
      // The port is free when picked but can be taken before `pio deploy` binds it; and `pio deploy`
      // first stops whatever engine server answers on its port, so a concurrent test picking the same
      // port ends ours cleanly. One retry on a fresh port covers both races.
      let started = await startServer();
      if (!started.ready) started = await startServer();
      if (!started.ready) throw new Error(started.failure);
      const { port, url, server, output } = started;
      return {
        url,
        async query(body) {
          const response = await fetch(`${url}/queries.json`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          });
          const text = await response.text();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Error answers are text/plain (BEHAVIOUR.md#serving-a-query); keep the text.
          }
          return { status: response.status, body: parsed };
        },
        async undeploy() {
          await pio(['undeploy', '--ip', '127.0.0.1', '--port', String(port)]);
          const exited = await Promise.race([server, new Promise((resolve) => setTimeout(resolve, 15_000, undefined))]);
          if (exited === undefined) throw new Error(`pio deploy still runs 15 s after pio undeploy:\n${output()}`);
          return server.exitCode ?? undefined;
        },
      };
    },
    async cleanup() {
      for (const server of servers) {
        if (server.exitCode === null || server.exitCode === undefined) {
          server.kill('SIGTERM');
          const timer = setTimeout(() => server.kill('SIGKILL'), 5_000);
          await server;
          clearTimeout(timer);
        }
      }
      await database.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
