import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedPostgresStatus } from '../../src/native/storage/embedded.js';
import { CLI, cleanupAfterEachTest, reportedPids, runCli, runningPids } from './helpers.js';

const { defer, sandbox } = cleanupAfterEachTest();

describe('pio-deploy quickstart', () => {
  it('--yes creates the demo app, runs its lifecycle, prints each prediction, exits 0 and stops everything', async () => {
    const box = await sandbox();
    const started = Date.now();
    const result = await runCli(box, ['quickstart', '--yes']);
    const seconds = (Date.now() - started) / 1000;
    const output = result.all ?? '';
    expect(result.exitCode, output).toBe(0);
    expect(output).toContain('-----> Creating pio-quickstart from the classification template in ./pio-quickstart');
    expect(output).toContain('-----> Releasing: data hooks and training (release phase)');
    expect(output).toMatch(/-----> pio-quickstart is up at http:\/\/127\.0\.0\.1:\d+: sending the demo queries/);
    expect(output).toContain('{"voice_usage":12,"data_usage":0,"text_usage":4}  →  {"service_plan":0}');
    expect(output).toContain('{"voice_usage":90,"data_usage":700,"text_usage":100}  →  {"service_plan":2}');
    expect(output).toMatch(/\{"voice_usage":300,"data_usage":25,"text_usage":40\} {2}→ {2}\{"service_plan":\d\}/);
    expect(output).toMatch(/-----> Done in [\d.]+ s/);
    console.info(`quickstart --yes wall time: ${seconds.toFixed(1)} s`);

    // Nothing it started runs any more: web process and the embedded PostgreSQL it started.
    const pids = reportedPids(output);
    expect([...pids.keys()].sort()).toEqual(['PostgreSQL', 'release', 'web.1']);
    expect(runningPids(pids.values())).toEqual([]);
    expect((await embeddedPostgresStatus(box.env.PIO_HOME!)).running).toBe(false);

    // The app stays, committed and ready for `pio-deploy up`.
    const appDir = join(box.dir, 'pio-quickstart');
    expect(await readdir(appDir)).toEqual(expect.arrayContaining(['app.json', 'Procfile', '.env', 'engine.json']));
    expect((await execa('git', ['status', '--porcelain'], { cwd: appDir })).stdout).toBe('');
  }, 300_000);

  it('--keep-running serves until Ctrl-C, then stops everything and exits 0', async () => {
    const box = await sandbox();
    const child = execa(CLI, ['quickstart', '--yes', '--keep-running', '--dir', 'demo'], {
      cwd: box.dir,
      env: box.env,
      extendEnv: false,
      reject: false,
      all: true,
      stdin: 'ignore',
    });
    defer(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await child;
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "Serving at" within 240 s:\n${output}`)), 240_000);
      child.all?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Serving at (http:\/\/127\.0\.0\.1:\d+) until Ctrl-C/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      void child.then(() => reject(new Error(`quickstart exited early:\n${output}`)));
    });
    const response = await fetch(`${url}/queries.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ voice_usage: 12, data_usage: 0, text_usage: 4 }),
    });
    expect(await response.json()).toEqual({ service_plan: 0 });

    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain('-----> SIGINT received, stopping');
    const pids = reportedPids(result.all ?? '');
    expect(pids.get('web.1')).toBeGreaterThan(0);
    expect(runningPids(pids.values())).toEqual([]);
    await expect(fetch(`${url}/`)).rejects.toThrow();
  }, 300_000);

  it('without --yes and without a terminal, asks for --yes and creates nothing', async () => {
    const box = await sandbox();
    const result = await runCli(box, ['quickstart']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(' !     quickstart needs confirmation, and stdin is not a terminal.');
    expect(result.stderr).toContain('Pass --yes');
    expect(await readdir(box.dir)).toEqual(['home']);
  });

  // `script` gives the command a real terminal; answering "n" must create nothing.
  it.skipIf(!existsSync('/usr/bin/script'))('on a terminal, asks once and stops on "n"', async () => {
    const box = await sandbox();
    const result = await execa('/usr/bin/script', ['-qec', `${CLI} quickstart`, '/dev/null'], {
      cwd: box.dir,
      env: box.env,
      extendEnv: false,
      reject: false,
      input: 'n\n',
    });
    expect(result.stdout).toContain('Create the classification demo app in ./pio-quickstart');
    expect(result.stdout).toContain('[Y/n]');
    expect(result.stdout).toContain('Quickstart cancelled; nothing was created.');
    expect(result.exitCode).toBe(1);
    expect(await readdir(box.dir)).toEqual(['home']);
  });

  it('never overwrites an existing directory', async () => {
    const box = await sandbox();
    await mkdir(join(box.dir, 'pio-quickstart'));
    await writeFile(join(box.dir, 'pio-quickstart', 'mine.txt'), 'keep\n');
    const result = await runCli(box, ['quickstart', '--yes']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('pio-quickstart already exists and is not empty');
    expect(await readdir(join(box.dir, 'pio-quickstart'))).toEqual(['mine.txt']);
  });
});
