import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import { exportCommit, git, GitError, tryGit, withoutGitVariables } from '../../src/lib/git.js';

const defer = cleanupAfterEach();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pio-git-test-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const IDENTITY = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com'];

describe('git', () => {
  it('drops GIT_* variables and nothing else', () => {
    expect(withoutGitVariables({ GIT_DIR: '/elsewhere', PATH: '/bin', HOME: undefined, GITHUB: 'x' })).toEqual({ PATH: '/bin', GITHUB: 'x' });
  });

  it('returns trimmed stdout, answers failures with tryGit and throws them with git', async () => {
    const dir = await tempDir();
    await git(dir, ['init', '--quiet', '--initial-branch=main']);
    expect(await git(dir, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    const missing = await tryGit(dir, ['rev-parse', '--verify', 'HEAD^{commit}']);
    expect(missing.ok).toBe(false);
    const failure = await git(dir, ['show', 'no-such-rev']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as GitError).message).toMatch(/^git show no-such-rev failed in .*: fatal: /);
    expect((failure as GitError).stderr).toContain('no-such-rev');
  });

  it('ignores the GIT_DIR of a hook unless told to use it', async () => {
    const dir = await tempDir();
    await git(dir, ['init', '--quiet', '--initial-branch=main']);
    const before = process.env.GIT_DIR;
    process.env.GIT_DIR = join(dir, 'not-a-repository');
    try {
      expect((await tryGit(dir, ['rev-parse', '--git-dir'])).stdout).toBe('.git');
      expect((await tryGit(dir, ['rev-parse', '--git-dir'], { env: process.env })).ok).toBe(false);
    } finally {
      if (before === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = before;
    }
  });

  it('exports committed files of a commit or of a subdirectory of it', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    await mkdir(join(repo, 'app'), { recursive: true });
    await git(repo, ['init', '--quiet', '--initial-branch=main']);
    await writeFile(join(repo, 'top.txt'), 'top\n');
    await writeFile(join(repo, 'app', 'engine.json'), '{}\n');
    await git(repo, ['add', '-A']);
    await git(repo, [...IDENTITY, 'commit', '--quiet', '-m', 'initial']);
    await writeFile(join(repo, 'app', 'untracked.txt'), 'x\n');

    const whole = join(dir, 'whole');
    await mkdir(whole);
    await exportCommit(repo, 'HEAD', whole);
    expect((await readdir(whole)).sort()).toEqual(['app', 'top.txt']);

    const sub = join(dir, 'sub');
    await mkdir(sub);
    await exportCommit(repo, 'HEAD:app', sub);
    expect(await readdir(sub)).toEqual(['engine.json']);
    expect(await readFile(join(sub, 'engine.json'), 'utf8')).toBe('{}\n');
  });
});
