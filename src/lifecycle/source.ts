import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { exportCommit, git, tryGit } from '../lib/git.js';
import { generateAccessKey } from '../native/storage/ids.js';
import type { ConfigVars } from '../platform/config-vars.js';
import { commit, initRepository } from './git.js';

/** What a lifecycle run builds: a repository and the commit in it (the platform builds commits only). */
export interface BuildSource {
  repoDir: string;
  commit: string;
  /** How the source was taken, for the report. */
  description: string;
}

/** Never part of a build, whatever .gitignore says. */
const LOCAL_ONLY = new Set(['.git', 'PredictionIO-dist', '.pio-deploy', 'target', 'node_modules', '.env']);

/**
 * The app's committed files as a buildable commit. A repository root with a commit is used as is; an
 * app in a subdirectory of a repository is exported from HEAD; a directory outside git is copied (its
 * .gitignore honoured) — each of the last two into `workDir`, as a fresh single-commit repository.
 */
export async function buildSource(appDir: string, workDir: string): Promise<BuildSource> {
  const top = await tryGit(appDir, ['rev-parse', '--show-toplevel']);
  const head = await tryGit(appDir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (top.ok && head.ok) {
    const prefix = (await tryGit(appDir, ['rev-parse', '--show-prefix'])).stdout.trim().replace(/\/$/, '');
    if (prefix === '') return { repoDir: appDir, commit: head.stdout.trim(), description: `commit ${head.stdout.trim().slice(0, 7)}` };
    const dest = await mkdtemp(join(workDir, 'source-'));
    await exportCommit(appDir, `HEAD:${prefix}`, dest);
    return snapshot(dest, `${prefix}/ at commit ${head.stdout.trim().slice(0, 7)}`);
  }
  const dest = await mkdtemp(join(workDir, 'source-'));
  await cp(appDir, dest, {
    recursive: true,
    filter: (path) => relative(appDir, path) === '' || !LOCAL_ONLY.has(basename(path)) || relative(appDir, path).includes('/'),
  });
  return snapshot(dest, `the files of ${appDir} (not a git repository)`);
}

async function snapshot(dir: string, description: string): Promise<BuildSource> {
  await initRepository(dir);
  await commit(dir, 'pio-deploy snapshot');
  return { repoDir: dir, commit: await git(dir, ['rev-parse', 'HEAD']), description };
}

/**
 * Config vars app.json declares, as Heroku sets them for a review app or CI run: plain values and
 * `value`s as given, `generator: "secret"` freshly generated. Variables without a value are left out.
 */
export async function appJsonConfigVars(appDir: string): Promise<ConfigVars> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(appDir, 'app.json'), 'utf8'));
  } catch {
    return {};
  }
  const env = (json as { env?: unknown } | null)?.env;
  if (typeof env !== 'object' || env === null) return {};
  const vars: ConfigVars = {};
  for (const [name, declaration] of Object.entries(env as Record<string, unknown>)) {
    if (typeof declaration === 'string') {
      vars[name] = declaration;
    } else if (typeof declaration === 'object' && declaration !== null) {
      const { value, generator } = declaration as { value?: unknown; generator?: unknown };
      if (typeof value === 'string') vars[name] = value;
      else if (generator === 'secret') vars[name] = generateAccessKey();
    }
  }
  return vars;
}
