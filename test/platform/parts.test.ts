import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import { formatConfigVars, parseAssignments, parseConfigVars, writeEnvDir } from '../../src/platform/config-vars.js';
import { parseProcfile } from '../../src/platform/procfile.js';
import { defaultProcessTypesOf } from '../../src/platform/buildpack.js';
import { PROCFILES, releaseYaml } from '../../src/buildpack/procfile.js';
import { parsePushedRefs } from '../../src/platform/receive.js';
import { exportCommit } from '../../src/lib/git.js';
import { applySlugignore, resolveCommit } from '../../src/platform/source.js';
import { commitFiles, createSandbox } from './helpers.js';

const defer = cleanupAfterEach();

describe('config vars from .env', () => {
  it('handles quotes, comments, export prefixes and escapes without evaluating anything', () => {
    const vars = parseConfigVars(
      [
        '# a comment',
        'export PIO_EVENTSERVER_APP_NAME=my-app',
        'PLAIN=value # trailing comment',
        'DOUBLE="two\\nlines"',
        "SINGLE='$HOME stays literal \\n'",
        'SUBSHELL=$(touch /tmp/should-not-exist)',
        'URL=postgres://u:p%40ss@host:5432/db?sslmode=require',
        'EMPTY=',
      ].join('\n'),
      '.env',
    );
    expect(vars).toEqual({
      PIO_EVENTSERVER_APP_NAME: 'my-app',
      PLAIN: 'value',
      DOUBLE: 'two\nlines',
      SINGLE: '$HOME stays literal \\n',
      SUBSHELL: '$(touch /tmp/should-not-exist)',
      URL: 'postgres://u:p%40ss@host:5432/db?sslmode=require',
      EMPTY: '',
    });
  });

  it('round-trips values through formatConfigVars and parses NAME=value arguments', () => {
    const vars = { A: 'simple', B: 'has spaces', C: "it's", D: 'multi\nline', E: '' };
    expect(parseConfigVars(formatConfigVars(vars), 'test')).toEqual(vars);
    expect(parseAssignments(['X=1=2', 'Y='])).toEqual({ X: '1=2', Y: '' });
    expect(() => parseAssignments(['=oops'])).toThrow('"=oops" is not a NAME=value assignment');
  });

  it('writes one byte-exact file per variable into ENV_DIR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pio-envdir-test-'));
    defer(() => rm(dir, { recursive: true, force: true }));
    await writeEnvDir(dir, { GREETING: 'hi\n', PASSWORD: 'p@ss' });
    expect((await readdir(dir)).sort()).toEqual(['GREETING', 'PASSWORD']);
    expect(await readFile(join(dir, 'GREETING'), 'utf8')).toBe('hi\n');
  });
});

describe('Procfile', () => {
  it('reads type: command lines, skips comments and reports what it ignores', () => {
    const parsed = parseProcfile('# processes\nweb: pio-deploy web\n\nrelease:   pio-deploy release  \nnonsense line\nweb: node server.js\n');
    expect(parsed.processTypes).toEqual({ web: 'node server.js', release: 'pio-deploy release' });
    expect(parsed.warnings).toEqual([
      'Procfile line 5 is not "type: command" and is ignored: nonsense line',
      'Procfile declares "web" twice; the last one wins',
    ]);
  });

  it('reads the Procfiles compile writes, and bin/release defaults agree with them', () => {
    const engine = parseProcfile(PROCFILES.engine);
    expect(engine).toEqual({
      processTypes: { web: 'pio-deploy web', train: 'pio-deploy train', release: 'pio-deploy release' },
      warnings: [],
    });
    const eventserver = parseProcfile(PROCFILES.eventserver);
    expect(eventserver).toEqual({ processTypes: { web: 'pio-deploy web', release: 'pio-deploy release' }, warnings: [] });
    for (const role of ['engine', 'eventserver'] as const) {
      expect(defaultProcessTypesOf(releaseYaml(role), 'buildpack')).toEqual(parseProcfile(PROCFILES[role]).processTypes);
    }
  });
});

describe('slug source', () => {
  it('exports only committed files and applies .slugignore', async () => {
    const sandbox = await createSandbox({
      'app.txt': 'committed\n',
      '.slugignore': '# not in the slug\ndata/\n*.csv\n!keep.csv\n',
      'data/big.json': '{}\n',
      'sub/table.csv': 'a,b\n',
      'sub/keep.csv': 'a,b\n',
    });
    defer(() => sandbox.cleanup());
    await commitFiles(sandbox, { 'later.txt': 'second commit\n' }, 'second');
    await import('node:fs/promises').then((fs) => fs.writeFile(join(sandbox.appDir, 'untracked.txt'), 'x'));
    const commit = await resolveCommit(sandbox.appDir, 'HEAD');
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    const dest = join(sandbox.dir, 'slug');
    await import('node:fs/promises').then((fs) => fs.mkdir(dest));
    await exportCommit(sandbox.appDir, commit, dest);
    expect(existsSync(join(dest, 'untracked.txt'))).toBe(false);
    expect(existsSync(join(dest, '.git'))).toBe(false);
    expect(await readFile(join(dest, 'later.txt'), 'utf8')).toBe('second commit\n');
    const removed = await applySlugignore(dest);
    expect(removed.sort()).toEqual(['data', 'sub/table.csv']);
    expect(existsSync(join(dest, 'sub', 'keep.csv'))).toBe(true);
    expect(existsSync(join(dest, '.slugignore'))).toBe(true);
  });

  it('names the fix when there is nothing committed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pio-nocommit-test-'));
    defer(() => rm(dir, { recursive: true, force: true }));
    await execa('git', ['init', '--quiet', dir]);
    await expect(resolveCommit(dir, 'HEAD')).rejects.toThrow('has no commit HEAD to build');
  });
});

describe('pre-receive input', () => {
  it('parses one line per pushed ref', () => {
    const zero = '0'.repeat(40);
    expect(parsePushedRefs(`${zero} ${'a'.repeat(40)} refs/heads/main\n${'b'.repeat(40)} ${zero} refs/heads/old\n`)).toEqual([
      { oldSha: zero, newSha: 'a'.repeat(40), ref: 'refs/heads/main' },
      { oldSha: 'b'.repeat(40), newSha: zero, ref: 'refs/heads/old' },
    ]);
  });
});
