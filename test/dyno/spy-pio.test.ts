import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSpyCalls, writeSpyPio } from '../helpers/spy-pio.js';

describe('spy pio helper', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spy-pio-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records argv, env and cwd byte-exact and plays sequences per subcommand', async () => {
    const pio = await writeSpyPio(join(dir, 'bin'), {
      commands: {
        'app show': [{ exitCode: 1, stderr: [`it's "missing"`] }, { stdout: ['[INFO] [Pio$]       App ID: 7'] }],
        app: { exitCode: 9 },
        train: { exitCode: 4 },
        '*': { stdout: ['fallback'] },
      },
    });
    const log = join(dir, 'calls.jsonl');
    const env = { PIO_SPY_LOG: log, ODD: 'a"b\\c\nd\te' };
    const first = await execa(pio, ['app', 'show', 'a b'], { reject: false, env, cwd: dir });
    const second = await execa(pio, ['app', 'show', 'x'], { reject: false, env });
    const app = await execa(pio, ['app', 'new', 'x'], { reject: false, env });
    const train = await execa(pio, ['train', '--', '--driver-memory', '1g'], { reject: false, env });
    const other = await execa(pio, ['deploy', `q"\\\n\tz`, "'"], { reject: false, env });

    expect([first.exitCode, second.exitCode, app.exitCode, train.exitCode, other.exitCode]).toEqual([1, 0, 9, 4, 0]);
    expect(first.stderr).toBe(`it's "missing"`);
    expect(second.stdout).toBe('[INFO] [Pio$]       App ID: 7');
    expect(other.stdout).toBe('fallback');

    const calls = await readSpyCalls(log);
    expect(calls.map((call) => call.argv)).toEqual([
      ['app', 'show', 'a b'],
      ['app', 'show', 'x'],
      ['app', 'new', 'x'],
      ['train', '--', '--driver-memory', '1g'],
      ['deploy', `q"\\\n\tz`, "'"],
    ]);
    expect(calls[0]?.env.ODD).toBe('a"b\\c\nd\te');
    expect(calls[0]?.cwd).toBe(dir);
  });

  it('records the signal that ended a long-running call', async () => {
    const pio = await writeSpyPio(join(dir, 'bin'), { commands: { deploy: { stdout: ['up'], waitForSignal: true } } });
    const log = join(dir, 'calls.jsonl');
    const child = execa(pio, ['deploy'], { reject: false, env: { PIO_SPY_LOG: log } });
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(143);
    const calls = await readSpyCalls(log);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.signal).toBe('TERM');
  });

  it('returns no calls when pio never ran', async () => {
    expect(await readSpyCalls(join(dir, 'missing.jsonl'))).toEqual([]);
  });
});
