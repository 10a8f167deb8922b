import ignore from 'ignore';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { tryGit } from '../lib/git.js';

/** Resolves `rev` to a full commit id, with an error that says how to get a commit to build. */
export async function resolveCommit(repoDir: string, rev: string): Promise<string> {
  const result = await tryGit(repoDir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  if (!result.ok) {
    throw new UserError(`${repoDir} has no commit ${rev} to build`, {
      hint: 'The platform builds committed files only: run `git init`, `git add -A` and `git commit` first.',
    });
  }
  return result.stdout.trim();
}

/** Lists tracked files with uncommitted changes, so `up` can say what the build leaves out. */
export async function uncommittedChanges(repoDir: string): Promise<string[]> {
  const result = await tryGit(repoDir, ['status', '--porcelain', '--untracked-files=no']);
  return result.ok ? result.stdout.split('\n').filter((line) => line.trim() !== '') : [];
}

/**
 * Removes what a top-level `.slugignore` (gitignore syntax) names, before compile, as Heroku's slug
 * compiler does. Returns the removed paths relative to `buildDir`.
 */
export async function applySlugignore(buildDir: string): Promise<string[]> {
  let rules: string;
  try {
    rules = await readFile(join(buildDir, '.slugignore'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const matcher = ignore().add(rules);
  const removed: string[] = [];
  const walk = async (relativeDir: string): Promise<void> => {
    const entries = await readdir(join(buildDir, relativeDir), { withFileTypes: true });
    for (const entry of entries) {
      const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (relative === '.slugignore') continue;
      const isDir = entry.isDirectory();
      if (matcher.ignores(isDir ? `${relative}/` : relative)) {
        await rm(join(buildDir, relative), { recursive: true, force: true });
        removed.push(relative);
      } else if (isDir) {
        await walk(relative);
      }
    }
  };
  await walk('');
  return removed;
}
