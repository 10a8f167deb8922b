import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedPostgresStatus, stopEmbeddedPostgres } from '../native/storage/embedded.js';
import { lineWritable } from '../lib/child-output.js';
import type { Output } from '../lib/output.js';
import { readConfigVars, type ConfigVars } from '../platform/config-vars.js';
import type { Dyno } from '../platform/dyno.js';
import { freePort } from '../lib/net.js';
import {
  buildApp,
  describeExit,
  isPhaseFailed,
  PhaseFailed,
  RELEASE_DYNO,
  releaseEnvironment,
  runReleasePhase,
  startWeb,
  waitUntilUp,
  WEB_DYNO,
} from '../platform/pipeline.js';
import { isRunning } from '../lib/process-tree.js';
import { withoutGitVariables } from '../lib/git.js';
import type { LifecycleReporter } from './reporter.js';
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
  const run = await startRun(options);
  try {
    const started = Date.now();
    const source = await buildSource(options.appDir, run.workDir);
    const configVars = await collectConfigVars(options);
    reporter.step(`Building from ${source.description}`);
    const base = dynoBase(options.pioHome);
    const slugDir = join(run.workDir, 'slug');
    const { slug, web } = await buildApp({
      repoDir: source.repoDir,
      commit: source.commit,
      slugDir,
      cacheDir: options.cacheDir,
      buildpackDir: options.buildpackDir,
      configVars,
      streams: {
        stdout: lineWritable((line) => reporter.buildLine(line, 'stdout')),
        stderr: lineWritable((line) => reporter.buildLine(line, 'stderr')),
      },
      env: base,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    run.checkAbort();
    const buildMs = Date.now() - started;

    const env = await run.database(() => releaseEnvironment({ base, configVars, log: (line) => reporter.detail(line) }));
    run.checkAbort();

    const releaseStarted = Date.now();
    await runReleasePhase({
      command: slug.processTypes.release,
      slugDir,
      env,
      sink: (line, stream) => reporter.dynoLine(RELEASE_DYNO, line, stream),
      stopGraceMs: options.stopGraceMs,
      started: (dyno) => {
        reporter.step('Releasing: data hooks and training (release phase)');
        run.track(dyno);
      },
    });
    run.checkAbort();
    const releaseMs = Date.now() - releaseStarted;

    const bootStarted = Date.now();
    const port = options.port ?? (await freePort());
    reporter.step(`Starting web.1 on port ${port}: ${web}`);
    const webDyno = run.track(startWeb({ command: web, slugDir, env, port, sink: (line, stream) => reporter.dynoLine(WEB_DYNO, line, stream) }));
    await waitUntilUp(webDyno, { port, timeoutMs: options.bootTimeoutMs, isAlive: () => !options.signal?.aborted });
    run.checkAbort();
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      web: webDyno,
      postgresPid: run.postgresPid(),
      timings: { buildMs, releaseMs, bootMs: Date.now() - bootStarted },
      stop: () => run.stop(),
    };
  } catch (error) {
    throw await run.fail(lifecycleError(error));
  }
}

/**
 * How the lifecycle reports a failed step: as a UserError whose hint says where to look (smoke and
 * quickstart print it). The quiet reporter shows the failed phase's last lines first.
 */
function lifecycleError(error: unknown): unknown {
  if (!isPhaseFailed(error)) return error;
  const { failure } = error;
  if (failure.phase === 'build' && failure.kind === 'no-web') {
    return new PhaseFailed(failure, 'The app declares no web process', {
      hint: 'Add "web: pio-deploy web" to the Procfile (or remove the Procfile so the buildpack writes one).',
    });
  }
  if (failure.phase === 'release') {
    return new PhaseFailed(failure, `The release phase failed (${describeExit(failure.exit)}); the web process was not started.`, {
      hint: 'Its output is above. Run `pio-deploy up` in the app for the full build and release log.',
    });
  }
  if (failure.phase === 'web.1') {
    return new PhaseFailed(failure, `web.1 did not come up: ${failure.reason}.`, {
      hint: 'Its output is above; raise --boot-timeout if the engine needs longer to load.',
    });
  }
  return error;
}

/** The dynos' base environment: this process's, minus git, database and PORT variables, on `pioHome`. */
function dynoBase(pioHome: string): Record<string, string> {
  const base = withoutGitVariables(process.env);
  for (const name of Object.keys(base)) if (isDatabaseVariable(name) || name === 'PORT') delete base[name];
  base.PIO_HOME = pioHome;
  return base;
}

/** What one run started (its dynos, maybe the embedded PostgreSQL, a work dir) and how it all stops. */
interface Run {
  workDir: string;
  track(dyno: Dyno): Dyno;
  /** Runs `start`, remembering the embedded PostgreSQL when this run must stop it. */
  database<T>(start: () => Promise<T>): Promise<T>;
  postgresPid(): number | undefined;
  checkAbort(): void;
  stop(): Promise<CleanupReport>;
  /** Reports the failure, cleans up and returns what to throw. */
  fail(error: unknown): Promise<unknown>;
}

async function startRun(options: LifecycleOptions): Promise<Run> {
  const { reporter } = options;
  const workDir = await mkdtemp(join(tmpdir(), 'pio-lifecycle-'));
  const dynos: Dyno[] = [];
  let postgresPid: number | undefined;
  let stopped = false;

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

  return {
    workDir,
    track(dyno) {
      dynos.push(dyno);
      return dyno;
    },
    async database(start) {
      const wasRunning = (await embeddedPostgresStatus(options.pioHome)).running;
      const result = await start();
      if (!wasRunning || options.alwaysStopDatabase) postgresPid = (await embeddedPostgresStatus(options.pioHome)).pid;
      return result;
    },
    postgresPid: () => postgresPid,
    checkAbort() {
      if (options.signal?.aborted) throw new LifecycleAborted();
    },
    stop() {
      options.signal?.removeEventListener('abort', onAbort);
      return cleanup();
    },
    async fail(error) {
      options.signal?.removeEventListener('abort', onAbort);
      if (isPhaseFailed(error) && !options.signal?.aborted) reporter.failed(error.phase);
      const report = await cleanup();
      if (report.leftovers.length > 0) reporter.warn(`Processes left running after the failure: ${report.leftovers.join(', ')}`);
      return options.signal?.aborted ? new LifecycleAborted() : error;
    },
  };
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
