import { execa } from 'execa';
import { resolve } from 'node:path';

/** Variables git sets for hooks; they must not leak into builds or apps (they would redirect git). */
export function withoutGitVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !name.startsWith('GIT_')) clean[name] = value;
  }
  return clean;
}

export interface GitOptions {
  /**
   * git's whole environment (default: this process's minus GIT_* variables, so git works on `cwd`
   * whatever hook or alias started us); a pre-receive hook passes its own to reach quarantined objects.
   */
  env?: NodeJS.ProcessEnv;
}

/** What a git command answered; `ok` is a zero exit status. */
export interface GitResult {
  ok: boolean;
  exitCode: number;
  /** Without the trailing newline. */
  stdout: string;
  stderr: string;
}

/** A git command that failed; the message carries git's own stderr. */
export class GitError extends Error {
  readonly exitCode: number;
  readonly stderr: string;

  constructor(args: readonly string[], cwd: string, result: GitResult) {
    super(`git ${args.join(' ')} failed in ${cwd}: ${(result.stderr || result.stdout).trim() || `exit status ${result.exitCode}`}`);
    this.name = 'GitError';
    this.exitCode = result.exitCode;
    this.stderr = result.stderr;
  }
}

function environment(options: GitOptions) {
  return { env: options.env ?? withoutGitVariables(process.env), extendEnv: false } as const;
}

/** Runs git in `cwd` without reading stdin; a failure is an answer (`ok: false`), for callers that branch on it. */
export async function tryGit(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  const result = await execa('git', args, { cwd, ...environment(options), stdin: 'ignore', reject: false });
  const exitCode = result.exitCode ?? 1;
  return { ok: exitCode === 0 && !result.failed, exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Runs git in `cwd` and returns its stdout, trimmed; a failure throws a GitError with git's stderr. */
export async function git(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<string> {
  const result = await tryGit(cwd, args, options);
  if (!result.ok) throw new GitError(args, cwd, result);
  return result.stdout.trim();
}

/**
 * Writes the files of `commit` (or of `<commit>:<dir>`, a subdirectory of it) into the existing
 * directory `dest`: committed content only, never untracked or ignored files, no `.git`.
 */
export async function exportCommit(repoDir: string, commit: string, dest: string, options: GitOptions = {}): Promise<void> {
  const env = environment(options);
  await execa('git', ['archive', '--format=tar', commit], { cwd: repoDir, ...env, stdin: 'ignore' }).pipe('tar', ['-x', '-C', resolve(dest)], env);
}
