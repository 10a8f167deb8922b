import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { embeddedPostgresStatus, stopEmbeddedPostgres } from '../native/storage/embedded.js';
import { UserError } from '../lib/errors.js';
import type { Output } from '../lib/output.js';
import { buildSlug } from '../platform/build.js';
import { readConfigVars, type ConfigVars } from '../platform/config-vars.js';
import { ensureDatabaseUrl } from '../platform/database.js';
import { dynoEnvironment, startDyno, type Dyno, type DynoExit } from '../platform/dyno.js';
import { freePort, waitForHealthy } from '../lib/net.js';
import { isRunning } from '../lib/process-tree.js';
import { withoutGitVariables } from '../lib/git.js';
import type { LifecycleReporter, Phase } from './reporter.js';
import { appJsonConfigVars, buildSource } from './source.js';

/**
 * One local run of an app's whole lifecycle, the way a platform runs it: build the committed app with
 * the buildpack into a fresh slug, run the release phase (data hooks, training), start the web process
 * on a free port and wait until it answers. Everything runs on the embedded PostgreSQL of `pioHome`
 * (a DATABASE_URL from the app or the environment is deliberately ignored). `stop()` ends every process
 * the run started and removes its temp dirs; a run that fails or is aborted cleans up before it throws.
 */

export interface LifecycleOptions {
  appDir: string;
  buildpackDir: string;
  /** PIO_HOME of the embedded PostgreSQL (a temp dir makes it private to the run). */
  pioHome: string;
  /** Build cache kept between runs. */
  cacheDir: string;
  /** Extra `.env`-style file of config vars (applied after app.json and the app's .env). */
  envFile?: string | undefined;
  /** Stop the embedded PostgreSQL at the end even when it was already running before the run. */
  alwaysStopDatabase: boolean;
  port?: number | undefined;
  bootTimeoutMs: number;
  stopGraceMs: number;
  reporter: LifecycleReporter;
  signal?: AbortSignal | undefined;
}

export interface PhaseTimings {
  buildMs: number;
  releaseMs: number;
  bootMs: number;
}

export interface CleanupReport {
  /** Pids of the run still alive after cleanup (should always be empty). */
  leftovers: number[];
  /** What was stopped, for the report: `web.1 (pid 123)`, `the embedded PostgreSQL (pid 456)`. */
  stopped: string[];
}

export interface RunningApp {
  url: string;
  port: number;
  web: Dyno;
  /** Postmaster pid of the embedded PostgreSQL, when this run must stop it. */
  postgresPid: number | undefined;
  timings: PhaseTimings;
  stop(): Promise<CleanupReport>;
}

export class LifecycleAborted extends Error {
  constructor() {
    super('Stopped before the app was up');
    this.name = 'LifecycleAborted';
  }
}

/** Variables that would point the run at another database than its embedded one. */
function isDatabaseVariable(name: string): boolean {
  return name === 'DATABASE_URL' || /^PIO_STORAGE_SOURCES_[A-Z0-9]+_(URL|USERNAME|PASSWORD|TYPE)$/.test(name);
}

export async function startLifecycle(options: LifecycleOptions): Promise<RunningApp> {
  const { reporter } = options;
  const workDir = await mkdtemp(join(tmpdir(), 'pio-lifecycle-'));
  const dynos: Dyno[] = [];
  let postgresPid: number | undefined;
  let stopped = false;
  let phase: Phase | undefined;

  const cleanup = async (): Promise<CleanupReport> => {
    if (stopped) return { leftovers: [], stopped: [] };
    stopped = true;
    const pids = new Set<number>();
    const names: string[] = [];
    for (const dyno of dynos) {
      await dyno.stop(options.stopGraceMs);
      for (const pid of dyno.members()) pids.add(pid);
      if (isRunning(dyno.pid)) pids.add(dyno.pid);
      names.push(`${dyno.name} (pid ${dyno.pid})`);
    }
    if (postgresPid !== undefined) {
      await stopEmbeddedPostgres(options.pioHome).catch((error: unknown) => {
        reporter.warn(`Could not stop the embedded PostgreSQL: ${(error as Error).message}`);
      });
      if (isRunning(postgresPid)) pids.add(postgresPid);
      names.push(`the embedded PostgreSQL (pid ${postgresPid})`);
    }
    await rm(workDir, { recursive: true, force: true });
    return { leftovers: [...pids], stopped: names };
  };

  const onAbort = () => {
    for (const dyno of dynos) void dyno.stop(options.stopGraceMs);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const checkAbort = () => {
    if (options.signal?.aborted) throw new LifecycleAborted();
  };

  try {
    const started = Date.now();
    const source = await buildSource(options.appDir, workDir);
    const configVars = await collectConfigVars(options);
    reporter.step(`Building from ${source.description}`);
    phase = 'build';
    const base = withoutGitVariables(process.env);
    for (const name of Object.keys(base)) if (isDatabaseVariable(name) || name === 'PORT') delete base[name];
    base.PIO_HOME = options.pioHome;

    const slugDir = join(workDir, 'slug');
    const slug = await buildSlug({
      repoDir: source.repoDir,
      commit: source.commit,
      slugDir,
      cacheDir: options.cacheDir,
      buildpackDir: options.buildpackDir,
      configVars,
      streams: { stdout: lineStream((line) => reporter.buildLine(line, 'stdout')), stderr: lineStream((line) => reporter.buildLine(line, 'stderr')) },
      env: base,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    checkAbort();
    const web = slug.processTypes.web;
    if (!web) {
      throw new UserError('The app declares no web process', {
        hint: 'Add "web: pio-deploy web" to the Procfile (or remove the Procfile so the buildpack writes one).',
      });
    }
    const buildMs = Date.now() - started;
    phase = undefined;

    const wasRunning = (await embeddedPostgresStatus(options.pioHome)).running;
    const database = await ensureDatabaseUrl(configVars, { env: base, log: (line) => reporter.detail(line) });
    if (!wasRunning || options.alwaysStopDatabase) postgresPid = (await embeddedPostgresStatus(options.pioHome)).pid;
    const vars = { ...configVars, ...database };
    checkAbort();

    const releaseStarted = Date.now();
    const release = slug.processTypes.release;
    if (release) {
      reporter.step('Releasing: data hooks and training (release phase)');
      phase = 'release';
      const dyno = startDyno({
        name: 'release',
        command: release,
        slugDir,
        env: dynoEnvironment({ base, configVars: vars, slugDir, dyno: 'release' }),
        sink: (line, stream) => reporter.dynoLine('release', line, stream),
      });
      dynos.push(dyno);
      const result = await dyno.exited;
      await dyno.stop(options.stopGraceMs);
      checkAbort();
      if (result.code !== 0) {
        throw new UserError(`The release phase failed (${describe(result)}); the web process was not started.`, {
          hint: 'Its output is above. Run `pio-deploy up` in the app for the full build and release log.',
        });
      }
    }
    const releaseMs = Date.now() - releaseStarted;

    const bootStarted = Date.now();
    const port = options.port ?? (await freePort());
    reporter.step(`Starting web.1 on port ${port}: ${web}`);
    phase = 'web.1';
    const webDyno = startDyno({
      name: 'web.1',
      command: web,
      slugDir,
      env: dynoEnvironment({ base, configVars: vars, slugDir, dyno: 'web.1', port }),
      sink: (line, stream) => reporter.dynoLine('web.1', line, stream),
    });
    dynos.push(webDyno);
    const health = await waitForHealthy({
      port,
      timeoutMs: options.bootTimeoutMs,
      isAlive: () => webDyno.isRunning() && !options.signal?.aborted,
    });
    checkAbort();
    if (!health.ok) {
      throw new UserError(`web.1 did not come up: ${health.reason}.`, {
        hint: 'Its output is above; raise --boot-timeout if the engine needs longer to load.',
      });
    }
    phase = undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      web: webDyno,
      postgresPid,
      timings: { buildMs, releaseMs, bootMs: Date.now() - bootStarted },
      stop: async () => {
        options.signal?.removeEventListener('abort', onAbort);
        return cleanup();
      },
    };
  } catch (error) {
    options.signal?.removeEventListener('abort', onAbort);
    if (phase && !options.signal?.aborted) reporter.failed(phase);
    const report = await cleanup();
    if (report.leftovers.length > 0) reporter.warn(`Processes left running after the failure: ${report.leftovers.join(', ')}`);
    if (options.signal?.aborted) throw new LifecycleAborted();
    throw error;
  }
}

export interface FinishedRun<T> {
  app: RunningApp;
  /** What `use` returned. */
  value: T;
  /** What was stopped afterwards, for the report. */
  stopped: string[];
  /** Pids still alive after the stop (already reported as an error). */
  leftovers: number[];
}

/**
 * Runs the lifecycle, hands the app that is up to `use`, then stops everything the run started (also
 * when `use` throws) and reports processes still alive. Undefined when interrupted before the app was up.
 */
export async function withRunningApp<T>(
  options: LifecycleOptions,
  out: Output,
  use: (app: RunningApp) => Promise<T>,
): Promise<FinishedRun<T> | undefined> {
  let app: RunningApp;
  try {
    app = await startLifecycle(options);
  } catch (error) {
    if (error instanceof LifecycleAborted) return undefined;
    throw error;
  }
  let value: T;
  let cleanup: CleanupReport;
  try {
    value = await use(app);
  } finally {
    cleanup = await app.stop();
    if (cleanup.leftovers.length > 0) out.error(`Processes still running after cleanup: ${cleanup.leftovers.join(', ')}`);
  }
  return { app, value, stopped: cleanup.stopped, leftovers: cleanup.leftovers };
}

/** app.json defaults, then the app's .env, then --env; never a database. */
async function collectConfigVars(options: LifecycleOptions): Promise<ConfigVars> {
  const vars: ConfigVars = {
    ...(await appJsonConfigVars(options.appDir)),
    ...(await readConfigVars(join(options.appDir, '.env'))),
    ...(options.envFile ? await readConfigVars(options.envFile) : {}),
  };
  const ignored = Object.keys(vars).filter(isDatabaseVariable);
  for (const name of ignored) delete vars[name];
  if (ignored.length > 0) options.reporter.detail(`Ignoring ${ignored.join(', ')}: this run uses the embedded PostgreSQL`);
  return vars;
}

function describe(exit: DynoExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/** A writable that hands over complete lines (the buildpack writes partial chunks). */
function lineStream(onLine: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const parts = (pending + chunk.toString('utf8')).split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) onLine(part.replace(/\r$/, ''));
      callback();
    },
    final(callback) {
      if (pending) onLine(pending);
      pending = '';
      callback();
    },
  });
}
