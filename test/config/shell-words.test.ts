import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ShellWordsError, shellQuote, splitShellWords } from '../../src/config/shell-words.js';

/** What bash itself makes of the same text (with expansion disabled by single-quoting `$`-free inputs). */
function bashWords(input: string): string[] {
  const out = execFileSync('bash', ['-c', `set -f; eval "set -- $1"; [ $# -eq 0 ] || printf '%s\\0' "$@"`, 'bash', input], {
    encoding: 'utf8',
  });
  return out.split('\0').slice(0, -1);
}

describe('splitShellWords', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['--variant best.json', ['--variant', 'best.json']],
    ["--driver-java-options '-Dcom.amazonaws.services.s3.enableV4'", ['--driver-java-options', '-Dcom.amazonaws.services.s3.enableV4']],
    [`--conf "spark.driver.extraJavaOptions=-Da=1 -Db=2"`, ['--conf', 'spark.driver.extraJavaOptions=-Da=1 -Db=2']],
    [`a"b c"d 'e f'g`, ['ab cd', 'e fg']],
    [`"say \\"hi\\"" 'it'\\''s'`, ['say "hi"', "it's"]],
    ['a\\ b c\\\\d', ['a b', 'c\\d']],
    ["'' \"\" x", ['', '', 'x']],
    ['a\tb  c', ['a', 'b', 'c']],
    ['"a\\nb"', ['a\\nb']],
    ['line\\\ncontinued', ['linecontinued']],
  ])('splits %j like bash does', (input, expected) => {
    expect(splitShellWords(input)).toEqual(expected);
    expect(bashWords(input)).toEqual(expected);
  });

  it('treats a newline as a separator (eval would have run the next line as a command)', () => {
    expect(splitShellWords('--a\n--b')).toEqual(['--a', '--b']);
  });

  it('keeps $VAR, $(cmd) and backticks literal: config vars are data, not code', () => {
    expect(splitShellWords('--name $HOME $(touch /tmp/x) `id`')).toEqual(['--name', '$HOME', '$(touch', '/tmp/x)', '`id`']);
    expect(splitShellWords('"$(rm -rf /)"')).toEqual(['$(rm -rf /)']);
  });

  it.each([["'open", 'unterminated single quote'], ['"open', 'unterminated double quote'], ['end\\', 'trailing backslash']])(
    'rejects %j',
    (input, message) => {
      expect(() => splitShellWords(input)).toThrow(ShellWordsError);
      expect(() => splitShellWords(input)).toThrow(message);
    },
  );

  it('shellQuote round-trips through the splitter', () => {
    const words = ['plain', 'with space', "it's", '', '$HOME', 'a"b'];
    expect(splitShellWords(words.map(shellQuote).join(' '))).toEqual(words);
    expect(shellQuote('--driver-memory')).toBe('--driver-memory');
  });
});
