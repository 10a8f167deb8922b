import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { isUserError, UserError } from '../lib/errors.js';
import { createOutput, DETAIL_PREFIX, type Output } from '../lib/output.js';
import {
  acquireDeployLock,
  appLayout,
  readApp,
  readReleases,
  writeJson,
  type AppLayout,
  type Release,
  type RouterState,
} from './app-state.js';
import type { BuildStreams } from './buildpack.js';
import { formatConfigVars, readConfigVars, type ConfigVars } from './config-vars.js';
import { defaultBuildpackDir } from './paths.js';
import { buildApp, isPhaseFailed, PhaseFailed, releaseEnvironment, runReleasePhase, WEB_DYNO } from './pipeline.js';
import { deployViaRouter, ensureRouter } from './router-client.js';
import { withoutGitVariables } from '../lib/git.js';

const ZERO_SHA = /^0+$/;
const DEPLOY_BRANCHES = ['refs/heads/main', 'refs/heads/master'];
const KEPT_RELEASES = 3;
/** What dynos inherit from the pusher's environment; everything else comes from config vars. */
const DYNO_BASE_VARIABLES = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

export interface PushedRef {
  oldSha: string;
  newSha: string;
  ref: string;
}

/** Parses a pre-receive hook's stdin: one `<old-sha> <new-sha> <ref>` line per updated ref. */
export function parsePushedRefs(stdin: string): PushedRef[] {
  return stdin
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 3)
    .map(([oldSha, newSha, ref]) => ({ oldSha: oldSha!, newSha: newSha!, ref: ref! }));
}

export interface ReceiveOptions {
  appDir: string;
  /** The bare repository (the hook's working directory). */
  repoDir: string;
  stdin: string;
  streams: BuildStreams;
  bootTimeoutMs: number;
}

/**
 * The pre-receive hook of a local platform app, i.e. what `git push <remote> main` runs: build the pushed
 * commit, run the release phase, boot the new web process behind the router and switch to it. Any
 * failure rejects the push (exit 1) and leaves the previous release serving.
 */
export async function receivePush(options: ReceiveOptions): Promise<number> {
  const out = createOutput(options.streams.stdout, options.streams.stderr);
  const deploy = deployedRef(parsePushedRefs(options.stdin), out);
  if (!deploy) return 0;

  const layout = appLayout(options.appDir);
  let unlock: (() => Promise<void>) | undefined;
  let slugDir: string | undefined;
  let deployed = false;
  let attempt: { version: number; previous: Release | null } | undefined;
  try {
    const app = await readApp(layout);
    unlock = await acquireDeployLock(layout);
    // Started first: if the router had died, it brings the current release back while this one builds.
    const router = await ensureRouter(layout);
    const releases = await readReleases(layout);
    const version = releases.lastVersion + 1;
    attempt = { version, previous: releases.current };
    const configVars = await readConfigVars(layout.config);
    slugDir = join(layout.releasesDir, `v${version}`);
    await rm(slugDir, { recursive: true, force: true });

    out.topic(`Building ${app.name} v${version} from ${deploy.newSha.slice(0, 7)} (${deploy.ref.replace('refs/heads/', '')})`);
    const { slug } = await buildApp({
      repoDir: options.repoDir,
      commit: deploy.newSha,
      slugDir,
      cacheDir: layout.cache,
      buildpackDir: app.buildpack ?? defaultBuildpackDir(),
      configVars,
      streams: options.streams,
      gitEnv: process.env,
      env: withoutGitVariables(process.env),
    });
    const release: Release = {
      version,
      commit: deploy.newSha,
      slugDir,
      processTypes: slug.processTypes,
      env: await pushedReleaseEnvironment(configVars, (line) => out.detail(line)),
      createdAt: new Date().toISOString(),
    };
    await releaseAndLaunch({ layout, router, release, streams: options.streams, bootTimeoutMs: options.bootTimeoutMs });
    deployed = true;
    out.detail(`http://${app.host}:${app.port}/ deployed to the local platform`);
    return 0;
  } catch (error) {
    return rejectPush(options.streams, error, attempt);
  } finally {
    if (!deployed && slugDir) await rm(slugDir, { recursive: true, force: true });
    await unlock?.();
  }
}

/** The ref to deploy (main, else master); every other pushed ref is only stored. */
function deployedRef(refs: PushedRef[], out: Output): PushedRef | undefined {
  const deploy = DEPLOY_BRANCHES.map((branch) => refs.find((ref) => ref.ref === branch)).find(
    (ref) => ref !== undefined && !ZERO_SHA.test(ref.newSha),
  );
  for (const ref of refs) {
    if (ref !== deploy) out.topic(`Pushed ${ref.ref}: only main (or master) is built and deployed`);
  }
  return deploy;
}

/** How a push reports a failed step (the pusher sees it as `remote:` lines); always exit 1. */
function rejectPush(streams: BuildStreams, error: unknown, attempt: { version: number; previous: Release | null } | undefined): number {
  const out = createOutput(streams.stdout, streams.stderr);
  if (isPhaseFailed(error) && error.failure.phase === 'build') {
    if (error.failure.kind === 'no-web') {
      out.error('Push rejected: the app declares no web process (add "web: <command>" to its Procfile).');
    } else {
      out.error(error.message);
      out.error('Push rejected, failed to compile app.');
    }
    return 1;
  }
  if (isPhaseFailed(error) && attempt) {
    reportNotDeployed(streams, error, attempt.version, attempt.previous);
    return 1;
  }
  if (!isUserError(error)) throw error;
  out.error(error.message);
  if (error.hint) out.error(error.hint);
  out.error('Push rejected.');
  return 1;
}

/** A release that did not become current: why, and what keeps serving. */
function reportNotDeployed(streams: BuildStreams, error: PhaseFailed, version: number, previous: Release | null): void {
  const out = createOutput(streams.stdout, streams.stderr);
  const keeps = previous ? `v${previous.version} keeps serving.` : 'Nothing was deployed.';
  const { failure } = error;
  if (failure.phase === 'release') {
    out.error(`Release command failed (exit ${failure.exit.code ?? 1}): v${version} was not deployed. ${keeps}`);
  } else if (failure.phase === 'web.1') {
    for (const line of failure.output) streams.stderr.write(`${DETAIL_PREFIX}${WEB_DYNO} | ${line}\n`);
    out.error(`v${version} did not boot: ${failure.reason}. ${keeps}`);
  } else {
    out.error(error.message);
  }
}

/**
 * The environment of a pushed release's dynos: only a few of the pusher's variables, then the config
 * vars and the database. The embedded PostgreSQL lives under the pusher's PIO_HOME (as for `up`).
 */
function pushedReleaseEnvironment(configVars: ConfigVars, log: (line: string) => void): Promise<Record<string, string>> {
  const base = pick(process.env, DYNO_BASE_VARIABLES);
  return releaseEnvironment({ base, configVars, databaseEnv: { ...base, ...pick(process.env, ['PIO_HOME']) }, log });
}

interface ReleaseAttempt {
  layout: AppLayout;
  router: RouterState;
  release: Release;
  streams: BuildStreams;
  bootTimeoutMs: number;
}

/**
 * Makes `release` current as a platform does: release phase first (its failure stops everything), then
 * the new web process behind the router, then the release record. A failed step throws `PhaseFailed`;
 * the previous release then keeps serving.
 */
async function releaseAndLaunch(attempt: ReleaseAttempt): Promise<void> {
  const { release, streams } = attempt;
  const out = createOutput(streams.stdout, streams.stderr);
  await runReleasePhase({
    command: release.processTypes.release,
    slugDir: release.slugDir,
    env: release.env,
    // Its output goes to the pusher.
    sink: (line) => streams.stdout.write(`${DETAIL_PREFIX}${line}\n`),
    stopGraceMs: 5_000,
    started: () => out.topic('Running release command...'),
  });
  out.topic('Launching...');
  await launchBehindRouter(attempt.router, release, attempt.bootTimeoutMs);
  await writeJson(attempt.layout.releases, { lastVersion: release.version, current: release });
  await pruneReleases(attempt.layout, release);
  out.detail(`Released v${release.version}`);
}

/** The web step of a push: the router boots the release's web.1 and switches traffic once it answers. */
async function launchBehindRouter(router: RouterState, release: Release, bootTimeoutMs: number): Promise<void> {
  const result = await deployViaRouter(router, release, bootTimeoutMs);
  if (!result.ok) {
    throw new PhaseFailed({ phase: 'web.1', reason: result.reason, output: result.output }, `v${release.version} did not boot: ${result.reason}`);
  }
}

export interface ConfigChange {
  appDir: string;
  set: ConfigVars;
  unset: string[];
  streams: BuildStreams;
  bootTimeoutMs: number;
}

/**
 * `config:set` / `config:unset`: changes the app's config vars and, when it has a release, creates a
 * new release of the same slug with them (release phase included), as Heroku does. If that release
 * fails, the previous config vars are put back, so the file always matches what runs.
 */
export async function changeConfig(change: ConfigChange): Promise<{ version: number | undefined }> {
  const layout = appLayout(change.appDir);
  await readApp(layout);
  const unlock = await acquireDeployLock(layout);
  try {
    const before = await readFile(layout.config, 'utf8').catch(() => '');
    const vars = { ...(await readConfigVars(layout.config)), ...change.set };
    for (const name of change.unset) delete vars[name];
    await writeFileAtomic(layout.config, formatConfigVars(vars), { mode: 0o600 });
    const releases = await readReleases(layout);
    const current = releases.current;
    if (!current) return { version: undefined };
    const release: Release = {
      ...current,
      version: releases.lastVersion + 1,
      env: await pushedReleaseEnvironment(vars, () => undefined),
      createdAt: new Date().toISOString(),
    };
    const router = await ensureRouter(layout);
    try {
      await releaseAndLaunch({ layout, router, release, streams: change.streams, bootTimeoutMs: change.bootTimeoutMs });
    } catch (error) {
      if (!isPhaseFailed(error)) throw error;
      reportNotDeployed(change.streams, error, release.version, current);
      await writeFileAtomic(layout.config, before, { mode: 0o600 });
      throw new UserError('The config vars were not changed.');
    }
    return { version: release.version };
  } finally {
    await unlock();
  }
}

/** Keeps the slugs of the newest releases (for rollback by hand) and deletes older ones. */
async function pruneReleases(layout: AppLayout, current: Release): Promise<void> {
  const entries = await readdir(layout.releasesDir).catch(() => [] as string[]);
  const versions = entries
    .map((entry) => /^v(\d+)$/.exec(entry))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => b - a);
  for (const version of versions.slice(KEPT_RELEASES)) {
    const dir = join(layout.releasesDir, `v${version}`);
    if (dir !== current.slugDir) await rm(dir, { recursive: true, force: true });
  }
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) result[name] = value;
  }
  return result;
}

