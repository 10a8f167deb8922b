import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lib/net.js';
import { stopEmbeddedPostgres } from '../../src/native/storage/embedded.js';
import { appLayout } from '../../src/platform/app-state.js';
import { stopApp } from '../../src/platform/router-client.js';
import { CLI } from './helpers.js';

/**
 * The Universal Recommender the way a user deploys it: `pio-deploy init --template
 * universal-recommender`, `git push` to the local platform with our buildpack (the release phase
 * imports the sample events and trains), then queries through the router.
 */

const PUSH_TIMEOUT_MS = 240_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('git push of a Universal Recommender app', () => {
  it('imports, trains and answers queries as UR prints them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pio-ur-push-test-'));
    const home = join(dir, 'home');
    const tmp = join(dir, 'tmp');
    await mkdir(home);
    await mkdir(tmp);
    const pioHome = join(dir, 'pio-home');
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && !/^(PIO_|GIT_)/.test(name) && !/DATABASE_URL$/.test(name)) env[name] = value;
    }
    Object.assign(env, { HOME: home, PIO_HOME: pioHome, PIO_DEPLOY_HOME: join(home, '.pio-deploy'), TMPDIR: tmp, GIT_CONFIG_NOSYSTEM: '1' });
    const appDir = join(dir, 'app');
    const platformDir = join(dir, 'platform');
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    cleanups.push(async () => void (await stopEmbeddedPostgres(pioHome)));
    cleanups.push(async () => void (await stopApp(appLayout(platformDir))));
    const run = (command: string, args: string[], cwd: string) =>
      execa(command, args, { cwd, env, extendEnv: false, reject: false, all: true, stdin: 'ignore', timeout: PUSH_TIMEOUT_MS });

    const init = await run(CLI, ['init', appDir, '--template', 'universal-recommender'], dir);
    expect(init.exitCode, init.all).toBe(0);
    await run('git', ['config', 'user.name', 'Test'], appDir);
    await run('git', ['config', 'user.email', 'test@example.com'], appDir);
    const port = await freePort();
    const added = await run(CLI, ['remote', 'add', 'demo', '--dir', platformDir, '--port', String(port)], appDir);
    expect(added.exitCode, added.all).toBe(0);

    const started = Date.now();
    const pushed = await run('git', ['push', 'demo', 'main'], appDir);
    const pushSeconds = (Date.now() - started) / 1000;
    expect(pushed.exitCode, pushed.all).toBe(0);
    const events = (await readFile(join(appDir, 'data', 'initial-events.json'), 'utf8')).split('\n').filter((line) => line.trim());
    expect(pushed.all).toContain(`Imported ${events.length} event(s)`);
    expect(pushed.all).toContain('Training completed successfully.');
    expect(pushed.all).toContain('remote:        Released v1');

    const ask = async (body: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/queries.json`, { method: 'POST', body });
      return { status: response.status, text: await response.text() };
    };
    const forUser = await ask('{"user": "100"}');
    expect(forUser.status, forUser.text).toBe(200);
    const answer = JSON.parse(forUser.text) as { itemScores: Array<{ item: string; score: number }> };
    expect(answer.itemScores.length).toBeGreaterThan(0);
    expect(answer.itemScores[0]!.score).toBeGreaterThan(0);
    // json4s' dialect in, Java doubles out: popularity backfill scores print as UR prints them.
    const unknown = await ask('{"user": "nobody" "num": 2}');
    expect(unknown.status, unknown.text).toBe(200);
    expect(unknown.text).toMatch(/^\{"itemScores":\[\{"item":"[^"]+","score":0\.0\},\{"item":"[^"]+","score":0\.0\}\]\}$/);
    expect((await ask('{"num": "four"}')).status).toBe(400);

    const stopped = await run(CLI, ['remote', 'stop', 'demo'], appDir);
    expect(stopped.exitCode, stopped.all).toBe(0);
    console.info(`UR push: ${pushSeconds.toFixed(1)} s`);
  }, 300_000);
});
