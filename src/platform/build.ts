import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { createOutput } from '../lib/output.js';
import { runBuildpack, type BuildStreams } from './buildpack.js';
import { writeEnvDir, type ConfigVars } from './config-vars.js';
import { readProcfile, type ProcessTypes } from './procfile.js';
import { exportCommit, withoutGitVariables } from '../lib/git.js';
import { applySlugignore } from './source.js';

export interface SlugBuild {
  /** Repository (working or bare) holding `commit`. */
  repoDir: string;
  commit: string;
  /** Fresh, empty or absent directory that becomes the slug. */
  slugDir: string;
  /** Persistent per-app cache. */
  cacheDir: string;
  buildpackDir: string;
  configVars: ConfigVars;
  streams: BuildStreams;
  /** Environment of the buildpack (default: this process's, minus GIT_* variables). */
  env?: Record<string, string>;
  /** Environment of git (default: `env`); a pre-receive hook passes its GIT_* quarantine variables. */
  gitEnv?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface Slug {
  dir: string;
  commit: string;
  framework: string;
  processTypes: ProcessTypes;
}

/**
 * Builds a slug exactly as a classic platform does: the committed tree into a fresh build dir,
 * `.slugignore` applied, an ENV_DIR from the config vars, the buildpack run, process types from the
 * app's Procfile or else the buildpack's `default_process_types`.
 */
export async function buildSlug(build: SlugBuild): Promise<Slug> {
  const out = createOutput(build.streams.stdout, build.streams.stderr);
  await mkdir(build.slugDir, { recursive: true });
  if ((await readdir(build.slugDir)).length > 0) {
    throw new UserError(`Build dir ${build.slugDir} is not empty; a build always starts from a fresh dir`);
  }
  await mkdir(build.cacheDir, { recursive: true });
  const env = build.env ?? withoutGitVariables(process.env);
  await exportCommit(build.repoDir, build.commit, build.slugDir, { env: build.gitEnv ?? env });
  const ignored = await applySlugignore(build.slugDir);
  if (ignored.length > 0) out.detail(`.slugignore removed ${ignored.length} path(s) before compile`);

  const envDir = await mkdtemp(join(tmpdir(), 'pio-env-'));
  let result;
  try {
    await writeEnvDir(envDir, build.configVars);
    result = await runBuildpack({
      buildpackDir: build.buildpackDir,
      buildDir: build.slugDir,
      cacheDir: build.cacheDir,
      envDir,
      env: { ...env, STACK: env.STACK ?? 'local', SOURCE_VERSION: build.commit },
      streams: build.streams,
      ...(build.signal ? { signal: build.signal } : {}),
    });
  } finally {
    await rm(envDir, { recursive: true, force: true });
  }

  const procfile = await readProcfile(build.slugDir);
  for (const warning of procfile?.warnings ?? []) out.warn(warning);
  const processTypes = procfile ? procfile.processTypes : result.defaultProcessTypes;
  out.topic('Discovering process types');
  const types = Object.keys(processTypes).sort();
  out.detail(
    procfile
      ? `Procfile declares types     -> ${types.join(', ') || '(none)'}`
      : `Default types for buildpack -> ${types.join(', ') || '(none)'}`,
  );
  return { dir: build.slugDir, commit: build.commit, framework: result.framework, processTypes };
}
