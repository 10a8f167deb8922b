import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTail, lastLines, lineTransform, lineWritable, readLines, splitLines } from '../../src/lib/child-output.js';
import { redactSecrets } from '../../src/lib/redact.js';

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

describe('child output', () => {
  it('hands over complete lines across chunks, CRLF included, and the unterminated last line at the end', () => {
    const lines: string[] = [];
    const split = splitLines((line) => lines.push(line));
    split.write('one\r\ntw');
    split.write(Buffer.from('o\nthree'));
    expect(lines).toEqual(['one', 'two']);
    split.end();
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('keeps a UTF-8 character split across two chunks whole', () => {
    const lines: string[] = [];
    const split = splitLines((line) => lines.push(line));
    const bytes = Buffer.from('größe\n');
    split.write(bytes.subarray(0, 3));
    split.write(bytes.subarray(3));
    expect(lines).toEqual(['größe']);
  });

  it('masks a secret split across two chunks, then prefixes every line', async () => {
    const seen: string[] = [];
    const transform = lineTransform({
      prefix: '       ',
      redact: (line) => redactSecrets(line, ['hunter22']),
      onLine: (line) => seen.push(line),
    });
    const output = collect(transform);
    transform.write('password=hun');
    transform.write('ter22\nlast');
    transform.end();
    expect(await output).toBe('       password=***\n       last\n');
    expect(seen).toEqual(['password=***', 'last']);
  });

  it('reads the lines of a readable and writes lines through a writable', async () => {
    const read: string[] = [];
    const input = Readable.from(['a\nb', '\r\nc']);
    const ended = new Promise((resolve) => input.once('end', resolve));
    readLines(input, (line) => read.push(line));
    await ended;
    expect(read).toEqual(['a', 'b', 'c']);

    const written: string[] = [];
    const writable = lineWritable((line) => written.push(line));
    const source = new PassThrough();
    source.pipe(writable);
    source.end('x\ny');
    await new Promise((resolve) => writable.once('finish', resolve));
    expect(written).toEqual(['x', 'y']);
  });

  it('keeps a bounded tail and the last lines of a log text', () => {
    const tail = createTail(2);
    for (const line of ['1', '2', '3']) tail.push(line);
    expect(tail.lines()).toEqual(['2', '3']);
    expect(lastLines('a\nb\r\nc\n\n', 2)).toBe('b\nc');
    expect(lastLines('', 5)).toBe('');
  });
});
