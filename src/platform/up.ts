import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { isUserError, UserError } from '../lib/errors.js';
import { createOutput, type Output } from '../lib/output.js';
import { readConfigVars } from './config-vars.js';
import type { Dyno } from './dyno.js';
import { createPrefixer } from './log-prefix.js';
import { platformHome } from './paths.js';
import {
  buildApp,
  isPhaseFailed,
  RELEASE_DYNO,
  releaseEnvironment,
  runReleasePhase,
  startWeb,
  waitUntilUp,
  WEB_DYNO,
} from './pipeline.js';
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
  const stop = stopOnSignals(out, options.stopGraceMs);
  let slugDir: string | undefined;
  try {
    const commit = await resolveCommit(appDir, 'HEAD');
    const configVars = await readConfigVars(options.envFile ?? join(appDir, '.env'));
    await announceBuild(out, appDir, commit);

    slugDir = await mkdtemp(join(tmpdir(), 'pio-build-'));
    const base = withoutGitVariables(process.env);
    const { slug, web } = await buildApp({
      repoDir: appDir,
      commit,
      slugDir,
      cacheDir: upCacheDir(appDir),
      buildpackDir: options.buildpackDir,
      configVars,
      streams: options,
      env: base,
      signal: stop.abortSignal,
    });
    if (stop.requested()) return 0;

    const env = await releaseEnvironment({ base, configVars, log: (line) => out.detail(line) });
    const sinkFor = createPrefixer(options.stdout, [RELEASE_DYNO, WEB_DYNO]);
    await runReleasePhase({
      command: slug.processTypes.release,
      slugDir,
      env,
      sink: sinkFor(RELEASE_DYNO),
      stopGraceMs: options.stopGraceMs,
      started: (dyno) => {
        out.topic('Running release command...');
        stop.track(dyno);
      },
    });
    if (stop.requested()) return 0;

    const port = options.port ?? portFrom(configVars.PORT ?? process.env.PORT);
    out.topic(`Starting web.1 on port ${port}: ${web}`);
    const dyno = startWeb({ command: web, slugDir, env, port, sink: sinkFor(WEB_DYNO) });
    stop.track(dyno);
    void waitUntilUp(dyno, { port, timeoutMs: options.bootTimeoutMs, isAlive: () => !stop.requested() }).then(
      () => {
        if (!stop.requested() && dyno.isRunning()) out.topic(`web.1 is up: http://127.0.0.1:${port}/`);
      },
      (error: unknown) => {
        if (stop.requested() || !dyno.isRunning()) return;
        reportFailure(out, error);
        void dyno.stop(options.stopGraceMs);
      },
    );
    return await runInForeground(out, dyno, stop, options.stopGraceMs);
  } catch (error) {
    if (stop.requested() && isUserError(error)) return 0;
    return reportFailure(out, error);
  } finally {
    await stop.dispose();
    if (slugDir) await rm(slugDir, { recursive: true, force: true });
  }
}

async function announceBuild(out: Output, appDir: string, commit: string): Promise<void> {
  out.topic(`Building ${basename(appDir)} from commit ${commit.slice(0, 7)}`);
  const dirty = await uncommittedChanges(appDir);
  if (dirty.length > 0) out.warn(`${dirty.length} uncommitted change(s) are not part of this build (commit them to include them)`);
}

/** Waits for web.1 to exit; its exit is `up`'s unless a signal stopped it. */
async function runInForeground(out: Output, dyno: Dyno, stop: SignalStop, graceMs: number): Promise<number> {
  const exit = await dyno.exited;
  await dyno.stop(graceMs);
  stop.track(undefined);
  if (stop.requested()) return 0;
  out.error(`web.1 exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`);
  return exit.code === 0 ? 0 : 1;
}

/**
 * How `up` reports a failed step: a failed release phase or boot as an error line (exit 1); anything
 * else (build failures, no web process) goes to the CLI, which prints the message and hint.
 */
function reportFailure(out: Output, error: unknown): number {
  if (isPhaseFailed(error)) {
    const { failure } = error;
    if (failure.phase === 'release') {
      out.error(`Release command failed (exit ${failure.exit.code ?? failure.exit.signal}); the web process was not started`);
      return 1;
    }
    if (failure.phase === 'web.1') {
      out.error(`Boot timeout: ${failure.reason}; stopping web.1`);
      return 1;
    }
  }
  throw error;
}

interface SignalStop {
  /** Aborts the build when a signal arrives. */
  abortSignal: AbortSignal;
  requested(): boolean;
  /** The dyno that a signal stops (undefined once it has stopped). */
  track(dyno: Dyno | undefined): void;
  /** Stops what still runs and removes the signal handlers. */
  dispose(): Promise<void>;
}

/** SIGINT/SIGTERM/SIGHUP stop `up` cleanly: abort the build, or stop the running dyno's whole tree. */
function stopOnSignals(out: Output, graceMs: number): SignalStop {
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  let running: Dyno | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) return;
    received = signal;
    out.topic(`${signal} received, stopping`);
    abort.abort();
    void running?.stop(graceMs);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return {
    abortSignal: abort.signal,
    requested: () => received !== undefined,
    track: (dyno) => {
      running = dyno;
    },
    async dispose() {
      if (running) await running.stop(graceMs);
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    },
  };
}

function portFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 5000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new UserError(`PORT=${value} is not a valid port`, { hint: 'Use a number from 1 to 65535, or pass --port.' });
  }
  return port;
}
