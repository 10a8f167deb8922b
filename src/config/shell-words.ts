/**
 * Splits a config var such as PIO_OPTS or PIO_SPARK_OPTS into argv the way a POSIX shell splits words,
 * without running a shell: no `eval`, no variable or command expansion, no globbing.
 *
 * - whitespace separates words; `'…'` keeps everything literally; `"…"` keeps everything except that a
 *   backslash escapes `"`, `\`, `$`, `` ` `` and a newline; outside quotes a backslash escapes any
 *   character (and `\` + newline is a line continuation).
 * - `$VAR`, `$(…)` and backticks stay literal text: config vars are data, never code.
 */
export class ShellWordsError extends Error {}

export function splitShellWords(input: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  while (i < input.length) {
    const char = input[i] as string;
    if (char === "'") {
      const end = input.indexOf("'", i + 1);
      if (end === -1) throw new ShellWordsError(`unterminated single quote at position ${i + 1}`);
      current += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (char === '"') {
      i += 1;
      let closed = false;
      while (i < input.length) {
        const inner = input[i] as string;
        if (inner === '"') {
          closed = true;
          i += 1;
          break;
        }
        if (inner === '\\' && i + 1 < input.length && '"\\$`\n'.includes(input[i + 1] as string)) {
          if (input[i + 1] !== '\n') current += input[i + 1];
          i += 2;
          continue;
        }
        current += inner;
        i += 1;
      }
      if (!closed) throw new ShellWordsError('unterminated double quote');
      inWord = true;
    } else if (char === '\\') {
      if (i + 1 >= input.length) throw new ShellWordsError('trailing backslash');
      if (input[i + 1] !== '\n') {
        current += input[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      i += 1;
    } else {
      current += char;
      inWord = true;
      i += 1;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** Quotes one argv word for display or for a shell script; plain words stay unquoted. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return singleQuote(word);
}

/** Always single-quoted, so the result composes the same whatever the value (rendered shell files). */
export function singleQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
