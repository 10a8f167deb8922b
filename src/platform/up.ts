import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { isUserError, UserError } from '../lib/errors.js';
import { createOutput } from '../lib/output.js';
import { buildSlug } from './build.js';
import { readConfigVars } from './config-vars.js';
import { ensureDatabaseUrl } from './database.js';
import { dynoEnvironment, startDyno, type Dyno } from './dyno.js';
import { createPrefixer } from './log-prefix.js';
import { waitForHealthy } from '../lib/net.js';
import { platformHome } from './paths.js';
import { withoutGitVariables } from '../lib/git.js';
import { resolveCommit, uncommittedChanges } from './source.js';

export interface UpOptions {
  appDir: string;
  buildpackDir: string;
  envFile?: string;
  port?: number;
  bootTimeoutMs: number;
  /** Grace period between SIGTERM and SIGKILL when stopping (Heroku gives 30 s). */
  stopGraceMs: number;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The persistent build cache of an app directory for `up`, outside the app so git never sees it. */
export function upCacheDir(appDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const id = createHash('sha256').update(appDir).digest('hex').slice(0, 10);
  return join(platformHome(env), 'up', `${basename(appDir) || 'app'}-${id}`, 'cache');
}

/**
 * `pio-deploy up`: build the committed app exactly as a platform would, run the release phase, then run
 * the web process in the foreground until it exits or a signal arrives. Returns the exit code.
 */
export async function runUp(options: UpOptions): Promise<number> {
  const out = createOutput(options.stdout, options.stderr);
  const appDir = resolve(options.appDir);
  const abort = new AbortController();
  let stopSignal: NodeJS.Signals | undefined;
  let running: Dyno | undefined;
  let slugDir: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopSignal) return;
    stopSignal = signal;
    out.topic(`${signal} received, stopping`);
    abort.abort();
    void running?.stop(options.stopGraceMs);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);

  try {
    const commit = await resolveCommit(appDir, 'HEAD');
    const configVars = await readConfigVars(options.envFile ?? join(appDir, '.env'));
    out.topic(`Building ${basename(appDir)} from commit ${commit.slice(0, 7)}`);
    const dirty = await uncommittedChanges(appDir);
    if (dirty.length > 0) out.warn(`${dirty.length} uncommitted change(s) are not part of this build (commit them to include them)`);

    slugDir = await mkdtemp(join(tmpdir(), 'pio-build-'));
    const base = withoutGitVariables(process.env);
    const slug = await buildSlug({
      repoDir: appDir,
      commit,
      slugDir,
      cacheDir: upCacheDir(appDir),
      buildpackDir: options.buildpackDir,
      configVars,
      streams: options,
      env: base,
      signal: abort.signal,
    });
    const web = slug.processTypes.web;
    if (!web) {
      throw new UserError('The app declares no web process', {
        hint: 'Add a "web: <command>" line to the Procfile (or use a buildpack that provides one).',
      });
    }
    if (stopSignal) return 0;

    const database = await ensureDatabaseUrl(configVars, { env: base, log: (line) => out.detail(line) });
    const vars = { ...configVars, ...database };
    const sinkFor = createPrefixer(options.stdout, ['release', 'web.1']);

    const release = slug.processTypes.release;
    if (release) {
      out.topic('Running release command...');
      running = startDyno({
        name: 'release',
        command: release,
        slugDir,
        env: dynoEnvironment({ base, configVars: vars, slugDir, dyno: 'release' }),
        sink: sinkFor('release'),
      });
      const result = await running.exited;
      await running.stop(options.stopGraceMs);
      running = undefined;
      if (stopSignal) return 0;
      if (result.code !== 0) {
        out.error(`Release command failed (exit ${result.code ?? result.signal}); the web process was not started`);
        return 1;
      }
    }

    const port = options.port ?? portFrom(configVars.PORT ?? process.env.PORT);
    out.topic(`Starting web.1 on port ${port}: ${web}`);
    const dyno = startDyno({
      name: 'web.1',
      command: web,
      slugDir,
      env: dynoEnvironment({ base, configVars: vars, slugDir, dyno: 'web.1', port }),
      sink: sinkFor('web.1'),
    });
    running = dyno;
    void waitForHealthy({ port, timeoutMs: options.bootTimeoutMs, isAlive: () => dyno.isRunning() && !stopSignal }).then(
      (health) => {
        if (stopSignal || !dyno.isRunning()) return;
        if (health.ok) {
          out.topic(`web.1 is up: http://127.0.0.1:${port}/`);
        } else {
          out.error(`Boot timeout: ${health.reason}; stopping web.1`);
          void dyno.stop(options.stopGraceMs);
        }
      },
    );
    const exit = await dyno.exited;
    await dyno.stop(options.stopGraceMs);
    running = undefined;
    if (stopSignal) return 0;
    out.error(`web.1 exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`);
    return exit.code === 0 ? 0 : 1;
  } catch (error) {
    if (stopSignal && isUserError(error)) return 0;
    throw error;
  } finally {
    if (running) await running.stop(options.stopGraceMs);
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    if (slugDir) await rm(slugDir, { recursive: true, force: true });
  }
}

function portFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 5000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new UserError(`PORT=${value} is not a valid port`, { hint: 'Use a number from 1 to 65535, or pass --port.' });
  }
  return port;
}
