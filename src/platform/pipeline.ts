import { isUserError, UserError } from '../lib/errors.js';
import { waitForHealthy } from '../lib/net.js';
import { buildSlug, type Slug, type SlugBuild } from './build.js';
import type { ConfigVars } from './config-vars.js';
import { ensureDatabaseUrl } from './database.js';
import { startDyno, type Dyno, type DynoExit, type LineSink } from './dyno.js';

/**
 * Build → release → web, the steps every front end runs (`up`, the lifecycle of smoke/quickstart,
 * `git push` and `config:set`): `buildApp`, `releaseEnvironment`, `runReleasePhase`, then `startWeb`
 * and `waitUntilUp`. A step that fails throws `PhaseFailed`; each front end turns it into its own
 * report and exit code in one place.
 */

export const RELEASE_DYNO = 'release';
export const WEB_DYNO = 'web.1';

export type Phase = 'build' | 'release' | 'web.1';

/** Why a step failed, with what a front end needs to word its report. */
export type Failure =
  | { phase: 'build'; kind: 'compile' }
  | { phase: 'build'; kind: 'no-web' }
  | { phase: 'release'; exit: DynoExit }
  | { phase: 'web.1'; reason: string; output: string[] };

export class PhaseFailed extends UserError {
  readonly failure: Failure;

  constructor(failure: Failure, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options);
    this.name = 'PhaseFailed';
    this.failure = failure;
  }

  get phase(): Phase {
    return this.failure.phase;
  }
}

export function isPhaseFailed(error: unknown): error is PhaseFailed {
  return error instanceof PhaseFailed;
}

/** `exit 3` or `signal SIGKILL`. */
export function describeExit(exit: DynoExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/** Step 1: the slug of the commit, which must declare a web process. */
export async function buildApp(build: SlugBuild): Promise<{ slug: Slug; web: string }> {
  let slug: Slug;
  try {
    slug = await buildSlug(build);
  } catch (error) {
    if (!isUserError(error)) throw error;
    throw new PhaseFailed({ phase: 'build', kind: 'compile' }, error.message, {
      ...(error.hint ? { hint: error.hint } : {}),
      exitCode: error.exitCode,
      cause: error,
    });
  }
  const web = slug.processTypes.web;
  if (!web) {
    throw new PhaseFailed({ phase: 'build', kind: 'no-web' }, 'The app declares no web process', {
      hint: 'Add a "web: <command>" line to the Procfile (or use a buildpack that provides one).',
    });
  }
  return { slug, web };
}

/**
 * Step 2: the environment every dyno of the release shares: the base environment, the config vars,
 * then the embedded PostgreSQL's DATABASE_URL when neither names a database. `databaseEnv` is where
 * the embedded PostgreSQL is looked up when it differs from `base` (its PIO_HOME).
 */
export async function releaseEnvironment(options: {
  base: Record<string, string>;
  configVars: ConfigVars;
  databaseEnv?: Record<string, string>;
  log: (line: string) => void;
}): Promise<Record<string, string>> {
  const database = await ensureDatabaseUrl(options.configVars, { env: options.databaseEnv ?? options.base, log: options.log });
  return { ...options.base, ...options.configVars, ...database };
}

export interface ReleasePhase {
  /** The slug's `release` process type; nothing runs without one. */
  command: string | undefined;
  slugDir: string;
  env: Record<string, string>;
  sink: LineSink;
  stopGraceMs: number;
  /** Called when the release dyno has started, before its first line (announce it, keep it to stop it). */
  started?: (dyno: Dyno) => void;
}

/** Step 3: the release command in a one-off dyno; a non-zero exit stops the pipeline. */
export async function runReleasePhase(phase: ReleasePhase): Promise<void> {
  if (!phase.command) return;
  const dyno = startDyno({ name: RELEASE_DYNO, command: phase.command, slugDir: phase.slugDir, env: phase.env, sink: phase.sink });
  phase.started?.(dyno);
  const exit = await dyno.exited;
  // Whatever the release command left running dies with its one-off dyno.
  await dyno.stop(phase.stopGraceMs);
  if (exit.code !== 0) throw new PhaseFailed({ phase: 'release', exit }, `The release phase failed (${describeExit(exit)})`);
}

/** Step 4: the web process of the release, on `port`. */
export function startWeb(web: { command: string; slugDir: string; env: Record<string, string>; port: number; sink: LineSink }): Dyno {
  return startDyno({ name: WEB_DYNO, ...web });
}

/** Answers of `/readyz` that mean the web process does not serve it (another kind of app): check `/` instead. */
const NO_READINESS_ROUTE = new Set([404, 405]);

/**
 * Step 5: waits until the web process is ready: `GET /readyz` answers 200 (the native servers: database
 * reachable, model loaded), or, for a web process without that route, `GET /` answers below 500.
 * `output` is what its failure report shows of its output.
 */
export async function waitUntilUp(
  dyno: Dyno,
  check: { port: number; timeoutMs: number; isAlive?: () => boolean; output?: () => string[] },
): Promise<{ status: number }> {
  const deadline = Date.now() + check.timeoutMs;
  const isAlive = () => dyno.isRunning() && (check.isAlive?.() ?? true);
  let health = await waitForHealthy({ port: check.port, path: '/readyz', timeoutMs: check.timeoutMs, isAlive });
  if (health.ok && NO_READINESS_ROUTE.has(health.status)) {
    health = await waitForHealthy({ port: check.port, timeoutMs: Math.max(1_000, deadline - Date.now()), isAlive });
  }
  if (!health.ok) {
    throw new PhaseFailed({ phase: 'web.1', reason: health.reason, output: check.output?.() ?? [] }, `web.1 did not come up: ${health.reason}`);
  }
  return { status: health.status };
}
