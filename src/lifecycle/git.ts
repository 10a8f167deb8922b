import { execa } from 'execa';
import { UserError } from '../lib/errors.js';
import { withoutGitVariables } from '../platform/source.js';

/** Used only when the user has no git identity configured, so `init` can still make its first commit. */
const FALLBACK_IDENTITY = ['-c', 'user.name=pio-deploy init', '-c', 'user.email=pio-deploy@localhost'];

async function git(dir: string, args: string[]) {
  return execa('git', args, { cwd: dir, reject: false, env: withoutGitVariables(process.env), extendEnv: false, stdin: 'ignore' });
}

/** True when `dir` is the top of a git work tree (not merely inside one). */
export async function isRepositoryRoot(dir: string): Promise<boolean> {
  const result = await git(dir, ['rev-parse', '--show-toplevel']);
  if (result.exitCode !== 0) return false;
  const top = await execa('realpath', [result.stdout.trim()], { reject: false });
  const here = await execa('realpath', [dir], { reject: false });
  return top.stdout.trim() === here.stdout.trim();
}

/** `git init` on branch main (the branch `git push <remote> main` deploys). */
export async function initRepository(dir: string): Promise<void> {
  const result = await git(dir, ['init', '--quiet', '--initial-branch=main']);
  if (result.exitCode !== 0) throw new UserError(`git init failed in ${dir}: ${result.stderr.trim()}`);
}

/** Stages `paths` (all when omitted) and commits; returns the short commit id. */
export async function commit(dir: string, message: string, paths: string[] = ['-A']): Promise<string> {
  const add = await git(dir, paths[0] === '-A' ? ['add', '-A'] : ['add', '--', ...paths]);
  if (add.exitCode !== 0) throw new UserError(`git add failed in ${dir}: ${add.stderr.trim()}`);
  const identity = (await git(dir, ['config', 'user.email'])).stdout.trim() ? [] : FALLBACK_IDENTITY;
  const result = await git(dir, [...identity, 'commit', '--quiet', '--no-verify', '-m', message]);
  if (result.exitCode !== 0) {
    throw new UserError(`git commit failed in ${dir}: ${(result.stderr || result.stdout).trim()}`, {
      hint: 'Commit the files yourself (git add -A && git commit); the platform builds committed files only.',
    });
  }
  return (await git(dir, ['rev-parse', '--short', 'HEAD'])).stdout.trim();
}
