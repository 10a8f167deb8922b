import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitPioArgv } from '../../src/native/pio/argv.js';
import { abort, formatLogLine, PioExit, pioLogger, setPioConsoleStream, setPioVerbose } from '../../src/native/console/index.js';

describe('splitPioArgv', () => {
  it('splits pass-through arguments at the first standalone --', () => {
    expect(splitPioArgv(['import', '--appid', '1', '--', '--conf', 'a=b', '--', 'x'])).toEqual({
      args: ['import', '--appid', '1'],
      passThrough: ['--conf', 'a=b', '--', 'x'],
    });
    expect(splitPioArgv(['app', 'list'])).toEqual({ args: ['app', 'list'], passThrough: [] });
  });

  it('expands multi-letter single-dash aliases before the separator only', () => {
    expect(splitPioArgv(['train', '-ssc', '-ei', 'x', '-ed', 'dir', '--', '-sk']).args).toEqual([
      'train',
      '--skip-sanity-check',
      '--engine-id',
      'x',
      '--engine-dir',
      'dir',
    ]);
    expect(splitPioArgv(['train', '--', '-sk']).passThrough).toEqual(['-sk']);
  });
});

describe('pio console', () => {
  function capture(run: () => void): string {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const previous = setPioConsoleStream(stream);
    try {
      run();
    } finally {
      setPioConsoleStream(previous);
    }
    return chunks.join('');
  }

  it('prints log4j-style lines; multi-line messages carry the prefix once', () => {
    expect(formatLogLine('INFO', 'Pio$', 'Created a new app:')).toBe('[INFO] [Pio$] Created a new app:\n');
    const log = pioLogger('App$');
    expect(capture(() => log.warn('a\nb'))).toBe('[WARN] [App$] a\nb\n');
  });

  it('prints DEBUG only when verbose', () => {
    const log = pioLogger('Engine$');
    expect(capture(() => log.debug('hidden'))).toBe('');
    setPioVerbose(true);
    try {
      expect(capture(() => log.debug('shown'))).toBe('[DEBUG] [Engine$] shown\n');
    } finally {
      setPioVerbose(false);
    }
  });

  it('abort logs every line as an error and throws PioExit(1)', () => {
    let thrown: unknown;
    const text = capture(() => {
      try {
        abort('App$', 'one', 'two');
      } catch (error) {
        thrown = error;
      }
    });
    expect(text).toBe('[ERROR] [App$] one\n[ERROR] [App$] two\n');
    expect(thrown).toBeInstanceOf(PioExit);
    expect((thrown as PioExit).exitCode).toBe(1);
  });
});
