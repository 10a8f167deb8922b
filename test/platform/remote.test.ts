import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import { appLayout, readJson, routerStateSchema, webStateSchema } from '../../src/platform/app-state.js';
import { freePort } from '../../src/lib/net.js';
import { groupMembers, isRunning, waitFor } from '../../src/lib/process-tree.js';
import { stopApp } from '../../src/platform/router-client.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { FIXTURE_BUILDPACK, commitFiles, createSandbox, getFixture, httpGet, runCli, type Sandbox } from './helpers.js';

const defer = cleanupAfterEach();

interface PlatformApp {
  sandbox: Sandbox;
  port: number;
  appDir: string;
}

async function createPlatformApp(): Promise<PlatformApp> {
  const db = await createTestDatabase('pio_platform');
  defer(() => db.drop());
  const sandbox = await createSandbox({ 'version.txt': 'v1\n', '.gitignore': '.env\n' });
  defer(() => sandbox.cleanup());
  await writeFile(join(sandbox.appDir, '.env'), `GREETING='pushed'\nSTARTUP_DELAY_MS=400\nDATABASE_URL=${db.url}\n`);
  const port = await freePort();
  const appDir = join(sandbox.dir, 'platform', 'staging');
  const added = await runCli(sandbox, ['remote', 'add', 'staging', '--dir', appDir, '--port', String(port), '--buildpack', FIXTURE_BUILDPACK]);
  expect(added.exitCode, added.all).toBe(0);
  expect(added.all).toContain('3 copied from .env');
  // Stop whatever a failing test left running, by pid.
  defer(async () => void (await stopApp(appLayout(appDir))));
  return { sandbox, port, appDir };
}

function push(sandbox: Sandbox) {
  return execa('git', ['push', 'staging', 'main'], { cwd: sandbox.appDir, env: sandbox.env, reject: false, all: true });
}

/** Requests the app back to back until stopped; every answer must be a 200 from some version. */
function pollContinuously(port: number) {
  let running = true;
  const versions = new Set<string>();
  const failures: string[] = [];
  let requests = 0;
  const loop = (async () => {
    const deadline = Date.now() + 120_000;
    while (running && Date.now() < deadline) {
      requests++;
      try {
        const response = await httpGet(port);
        if (response.status === 200) versions.add((JSON.parse(response.body) as { version: string }).version);
        else failures.push(`HTTP ${response.status}: ${response.body}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { versions, failures, requests };
    },
  };
}

describe('git push to a local platform remote', () => {
  it('builds, releases and serves a push; redeploys a change with zero failed requests; stop leaves nothing running', async () => {
    const { sandbox, port, appDir } = await createPlatformApp();
    const first = await push(sandbox);
    expect(first.exitCode, first.all).toBe(0);
    expect(first.all).toContain('remote: -----> Fixture app detected');
    expect(first.all).toContain('remote:        release phase for version v1');
    expect(first.all).toContain(`remote:        http://127.0.0.1:${port}/ deployed to the local platform`);
    const v1 = await getFixture(port);
    expect(v1.version).toBe('v1');
    expect(v1.greeting).toBe('pushed');
    expect(v1.released).toBe('pushed');
    expect(v1.profile).toBe(`loaded from ${v1.home}`);

    await commitFiles(sandbox, { 'version.txt': 'v2\n' }, 'v2');
    const poller = pollContinuously(port);
    const second = await push(sandbox);
    await waitFor(() => false, 300);
    const polled = await poller.stop();
    expect(second.exitCode, second.all).toBe(0);
    expect(second.all).toContain('build number 2 (from cache)');
    expect(polled.failures).toEqual([]);
    expect(polled.versions).toEqual(new Set(['v1', 'v2']));
    expect(polled.requests).toBeGreaterThan(20);
    const v2 = await getFixture(port);
    expect(v2.version).toBe('v2');
    // The old release's process tree is gone once the new one serves.
    expect(await waitFor(() => !isRunning(v1.pid) && !isRunning(v1.helperPid), 5_000)).toBe(true);

    const layout = appLayout(appDir);
    const router = await readJson(layout.router, routerStateSchema);
    const web = await readJson(layout.web, webStateSchema);
    expect(router && isRunning(router.pid)).toBe(true);
    expect(web?.version).toBe(2);

    const stopped = await runCli(sandbox, ['remote', 'stop', 'staging']);
    expect(stopped.exitCode, stopped.all).toBe(0);
    expect(stopped.all).toContain('Stopped staging');
    expect(isRunning(router!.pid)).toBe(false);
    expect(groupMembers(web!.pid)).toEqual([]);
    expect(isRunning(v2.pid)).toBe(false);
    expect(isRunning(v2.helperPid)).toBe(false);
    await expect(httpGet(port, '/', 1_000)).rejects.toThrow();
    expect(existsSync(layout.router)).toBe(false);

    // `remote start` brings the current release back without a push.
    const started = await runCli(sandbox, ['remote', 'start', 'staging']);
    expect(started.exitCode, started.all).toBe(0);
    expect(await waitFor(() => existsSync(layout.web), 30_000)).toBe(true);
    expect((await getFixture(port)).version).toBe('v2');
  });

  it('rejects a push whose build or release fails and keeps the old release serving', async () => {
    const { sandbox, port, appDir } = await createPlatformApp();
    expect((await push(sandbox)).exitCode).toBe(0);
    const v1 = await getFixture(port);

    await commitFiles(sandbox, { 'version.txt': 'broken build\n', FAIL_BUILD: 'yes\n' }, 'break the build');
    const badBuild = await push(sandbox);
    expect(badBuild.exitCode).not.toBe(0);
    expect(badBuild.all).toContain('Push rejected, failed to compile app.');
    expect(badBuild.all).toContain('[remote rejected] main -> main (pre-receive hook declined)');
    expect(await getFixture(port)).toMatchObject({ version: 'v1', pid: v1.pid });

    await execa('git', ['rm', '--quiet', 'FAIL_BUILD'], { cwd: sandbox.appDir, env: sandbox.env });
    await commitFiles(sandbox, { 'version.txt': 'broken release\n', FAIL_RELEASE: 'yes\n' }, 'break the release');
    const badRelease = await push(sandbox);
    expect(badRelease.exitCode).not.toBe(0);
    expect(badRelease.all).toContain('FAIL_RELEASE present: failing on purpose');
    expect(badRelease.all).toContain('v1 keeps serving');
    expect(await getFixture(port)).toMatchObject({ version: 'v1', pid: v1.pid });

    // A web process that never answers is not switched to either.
    await execa('git', ['rm', '--quiet', 'FAIL_RELEASE'], { cwd: sandbox.appDir, env: sandbox.env });
    await commitFiles(sandbox, { 'version.txt': 'never boots\n', Procfile: 'web: sleep 1000\n' }, 'never boots');
    const receive = join(appDir, 'repo.git', 'hooks', 'pre-receive');
    await writeFile(receive, (await readFile(receive, 'utf8')).replace(' --app-dir ', ' --boot-timeout 2 --app-dir '));
    const noBoot = await push(sandbox);
    expect(noBoot.exitCode).not.toBe(0);
    expect(noBoot.all).toContain('did not boot: nothing answered on port');
    expect(await getFixture(port)).toMatchObject({ version: 'v1', pid: v1.pid });

    // Failed attempts leave no slug behind; the served one stays.
    expect(await readdir(join(appDir, 'releases'))).toEqual(['v1']);
  });

  it('restarts a crashed web process', async () => {
    const { sandbox, port } = await createPlatformApp();
    expect((await push(sandbox)).exitCode).toBe(0);
    const before = await getFixture(port);
    expect((await httpGet(port, '/crash')).body).toBe('crashing\n');
    expect(await waitFor(() => !isRunning(before.pid), 5_000)).toBe(true);
    // The crashed process tree is cleaned up, including the child the app left behind.
    expect(await waitFor(() => !isRunning(before.helperPid), 15_000)).toBe(true);
    let after: Awaited<ReturnType<typeof getFixture>> | undefined;
    const deadline = Date.now() + 30_000;
    while (!after && Date.now() < deadline) {
      after = await getFixture(port).catch(() => undefined);
      if (!after) await waitFor(() => false, 200);
    }
    expect(after?.version).toBe('v1');
    expect(after?.pid).not.toBe(before.pid);
  });

  it('config:set creates a new release of the running slug with the release phase, config:unset too', async () => {
    const { sandbox, port } = await createPlatformApp();
    expect((await push(sandbox)).exitCode).toBe(0);
    const before = await getFixture(port);
    const set = await runCli(sandbox, ['remote', 'config:set', 'staging', 'GREETING=changed value']);
    expect(set.exitCode, set.all).toBe(0);
    expect(set.all).toContain('release phase for version v1');
    expect(set.all).toContain('Done: v2 is serving.');
    const after = await getFixture(port);
    expect(after).toMatchObject({ version: 'v1', greeting: 'changed value', released: 'changed value', home: before.home });
    expect(after.pid).not.toBe(before.pid);
    const shown = await runCli(sandbox, ['remote', 'config', 'staging', '--shell']);
    expect(shown.stdout).toContain("GREETING='changed value'");
    const unset = await runCli(sandbox, ['remote', 'config:unset', 'staging', 'GREETING']);
    expect(unset.exitCode, unset.all).toBe(0);
    expect((await getFixture(port)).greeting).toBeNull();
    const bad = await runCli(sandbox, ['remote', 'config:set', 'staging', 'not-an-assignment']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('"not-an-assignment" is not a NAME=value assignment');
  });

  it('validates names and refuses a remote name that exists', async () => {
    const sandbox = await createSandbox({ 'version.txt': 'v1\n' });
    defer(() => sandbox.cleanup());
    const bad = await runCli(sandbox, ['remote', 'add', 'Bad_Name']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('"Bad_Name" is not a valid app name');
    const origin = await runCli(sandbox, ['remote', 'add', 'origin', '--dir', join(sandbox.dir, 'o')]);
    expect(origin.exitCode).toBe(0);
    const again = await runCli(sandbox, ['remote', 'add', 'origin', '--dir', join(sandbox.dir, 'o')]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('already has a git remote named origin');
    const unknown = await runCli(sandbox, ['remote', 'stop', 'nope']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('no git remote named nope');
  });
});
