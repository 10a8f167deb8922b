import { realpath } from 'node:fs/promises';
import { UserError } from '../lib/errors.js';
import { git, tryGit } from '../lib/git.js';

/** Used only when the user has no git identity configured, so `init` can still make its first commit. */
const FALLBACK_IDENTITY = ['-c', 'user.name=pio-deploy init', '-c', 'user.email=pio-deploy@localhost'];

/** True when `dir` is the top of a git work tree (not merely inside one). */
export async function isRepositoryRoot(dir: string): Promise<boolean> {
  const result = await tryGit(dir, ['rev-parse', '--show-toplevel']);
  if (!result.ok) return false;
  const [top, here] = await Promise.all([realpath(result.stdout.trim()), realpath(dir)]);
  return top === here;
}

/** `git init` on branch main (the branch `git push <remote> main` deploys). */
export async function initRepository(dir: string): Promise<void> {
  const result = await tryGit(dir, ['init', '--quiet', '--initial-branch=main']);
  if (!result.ok) throw new UserError(`git init failed in ${dir}: ${result.stderr.trim()}`);
}

/** Stages `paths` (all when omitted) and commits; returns the short commit id. */
export async function commit(dir: string, message: string, paths: string[] = ['-A']): Promise<string> {
  const add = await tryGit(dir, paths[0] === '-A' ? ['add', '-A'] : ['add', '--', ...paths]);
  if (!add.ok) throw new UserError(`git add failed in ${dir}: ${add.stderr.trim()}`);
  const identity = (await tryGit(dir, ['config', 'user.email'])).stdout.trim() ? [] : FALLBACK_IDENTITY;
  const result = await tryGit(dir, [...identity, 'commit', '--quiet', '--no-verify', '-m', message]);
  if (!result.ok) {
    throw new UserError(`git commit failed in ${dir}: ${(result.stderr || result.stdout).trim()}`, {
      hint: 'Commit the files yourself (git add -A && git commit); the platform builds committed files only.',
    });
  }
  return git(dir, ['rev-parse', '--short', 'HEAD']);
}
