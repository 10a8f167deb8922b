import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { isUserError, UserError } from '../lib/errors.js';
import { createOutput, DETAIL_PREFIX } from '../lib/output.js';
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
import { buildSlug, type Slug } from './build.js';
import { formatConfigVars, readConfigVars, type ConfigVars } from './config-vars.js';
import { ensureDatabaseUrl } from './database.js';
import { startDyno } from './dyno.js';
import { defaultBuildpackDir } from './paths.js';
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
  const refs = parsePushedRefs(options.stdin);
  const deploy = DEPLOY_BRANCHES.map((branch) => refs.find((ref) => ref.ref === branch)).find(
    (ref) => ref !== undefined && !ZERO_SHA.test(ref.newSha),
  );
  for (const ref of refs) {
    if (ref !== deploy) {
      out.topic(`Pushed ${ref.ref}: only main (or master) is built and deployed`);
    }
  }
  if (!deploy) return 0;

  const layout = appLayout(options.appDir);
  let unlock: (() => Promise<void>) | undefined;
  let slugDir: string | undefined;
  let deployed = false;
  try {
    const app = await readApp(layout);
    unlock = await acquireDeployLock(layout);
    // Started first: if the router had died, it brings the current release back while this one builds.
    const router = await ensureRouter(layout);
    const releases = await readReleases(layout);
    const version = releases.lastVersion + 1;
    const configVars = await readConfigVars(layout.config);
    slugDir = join(layout.releasesDir, `v${version}`);
    await rm(slugDir, { recursive: true, force: true });

    out.topic(`Building ${app.name} v${version} from ${deploy.newSha.slice(0, 7)} (${deploy.ref.replace('refs/heads/', '')})`);
    let slug: Slug;
    try {
      slug = await buildSlug({
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
    } catch (error) {
      if (!isUserError(error)) throw error;
      out.error(error.message);
      out.error('Push rejected, failed to compile app.');
      return 1;
    }
    if (!slug.processTypes.web) {
      out.error('Push rejected: the app declares no web process (add "web: <command>" to its Procfile).');
      return 1;
    }

    const newRelease: Release = {
      version,
      commit: deploy.newSha,
      slugDir,
      processTypes: slug.processTypes,
      env: await releaseEnvironment(configVars, slugDir, (line) => out.detail(line)),
      createdAt: new Date().toISOString(),
    };
    deployed = await releaseAndLaunch({
      layout,
      router,
      previous: releases.current,
      release: newRelease,
      streams: options.streams,
      bootTimeoutMs: options.bootTimeoutMs,
    });
    if (!deployed) return 1;
    out.detail(`http://${app.host}:${app.port}/ deployed to the local platform`);
    return 0;
  } catch (error) {
    if (!isUserError(error)) throw error;
    out.error(error.message);
    if (error.hint) out.error(error.hint);
    out.error('Push rejected.');
    return 1;
  } finally {
    if (!deployed && slugDir) await rm(slugDir, { recursive: true, force: true });
    await unlock?.();
  }
}

/** The environment of a release's dynos: a few pusher variables, the config vars and the database. */
async function releaseEnvironment(
  configVars: ConfigVars,
  slugDir: string,
  log: (line: string) => void,
): Promise<Record<string, string>> {
  const base = pick(process.env, DYNO_BASE_VARIABLES);
  // The embedded PostgreSQL lives under the pusher's PIO_HOME (as for `up`), not under the dynos' base.
  const database = await ensureDatabaseUrl(configVars, { env: { ...base, ...pick(process.env, ['PIO_HOME']) }, log });
  return { ...base, ...configVars, ...database, HOME: slugDir };
}

interface ReleaseAttempt {
  layout: AppLayout;
  router: RouterState;
  previous: Release | null;
  release: Release;
  streams: BuildStreams;
  bootTimeoutMs: number;
}

/**
 * Makes `release` current as a platform does: release phase first (its failure stops everything), then
 * the new web process behind the router, then the release record. False (with the reason printed) when
 * the release was not deployed; the previous one then keeps serving.
 */
async function releaseAndLaunch(attempt: ReleaseAttempt): Promise<boolean> {
  const { release, previous, streams } = attempt;
  const out = createOutput(streams.stdout, streams.stderr);
  const keeps = previous ? `v${previous.version} keeps serving.` : 'Nothing was deployed.';
  if (release.processTypes.release) {
    out.topic('Running release command...');
    const code = await runReleasePhase(release, streams.stdout);
    if (code !== 0) {
      out.error(`Release command failed (exit ${code}): v${release.version} was not deployed. ${keeps}`);
      return false;
    }
  }
  out.topic('Launching...');
  const result = await deployViaRouter(attempt.router, release, attempt.bootTimeoutMs);
  if (!result.ok) {
    for (const line of result.output) streams.stderr.write(`${DETAIL_PREFIX}web.1 | ${line}\n`);
    out.error(`v${release.version} did not boot: ${result.reason}. ${keeps}`);
    return false;
  }
  await writeJson(attempt.layout.releases, { lastVersion: release.version, current: release });
  await pruneReleases(attempt.layout, release);
  out.detail(`Released v${release.version}`);
  return true;
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
      env: await releaseEnvironment(vars, current.slugDir, () => undefined),
      createdAt: new Date().toISOString(),
    };
    const router = await ensureRouter(layout);
    const ok = await releaseAndLaunch({
      layout,
      router,
      previous: current,
      release,
      streams: change.streams,
      bootTimeoutMs: change.bootTimeoutMs,
    });
    if (!ok) {
      await writeFileAtomic(layout.config, before, { mode: 0o600 });
      throw new UserError('The config vars were not changed.');
    }
    return { version: release.version };
  } finally {
    await unlock();
  }
}

/** Runs the release process type with the new slug and config; its output goes to the pusher. */
async function runReleasePhase(release: Release, stdout: NodeJS.WritableStream): Promise<number> {
  const command = release.processTypes.release;
  if (!command) return 0;
  const dyno = startDyno({
    name: `release.${release.version}`,
    command,
    slugDir: release.slugDir,
    env: { ...release.env, DYNO: `release.${release.version}` },
    sink: (line) => stdout.write(`${DETAIL_PREFIX}${line}\n`),
  });
  const exit = await dyno.exited;
  // Whatever the release command left running dies with its one-off dyno.
  await dyno.stop(5_000);
  return exit.code ?? 1;
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

