import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInit } from '../../src/lifecycle/init.js';
import { groupMembers } from '../../src/lib/process-tree.js';
import { createSandbox, recordingOutput, reportedPids, runCli, runningPids, type Sandbox } from './helpers.js';

/**
 * End to end: a real `pio-deploy init` app, the real buildpack, release phase and engine server on a
 * private embedded PostgreSQL. Slow (a full lifecycle per test), so only the pass and the fail case.
 */

let box: Sandbox;
let appDir: string;
let tmp: string;

beforeAll(async () => {
  box = await createSandbox();
  appDir = join(box.dir, 'classifier');
  await runInit({ dir: appDir, template: 'classification', out: recordingOutput() });
  // The run's temp dirs go here, so the test can see that it removed them.
  tmp = join(box.dir, 'tmp');
  await mkdir(tmp);
  box.env.TMPDIR = tmp;
});

afterAll(async () => {
  await box?.cleanup();
});

async function expectCleanedUp(output: string): Promise<void> {
  const pids = reportedPids(output);
  expect([...pids.keys()].sort()).toEqual(['PostgreSQL', 'release', 'web.1']);
  expect(runningPids(pids.values())).toEqual([]);
  expect(groupMembers(pids.get('web.1')!)).toEqual([]);
  const leftovers = (await readdir(tmp)).filter((name) => /^pio-(lifecycle|smoke-home)-/.test(name));
  expect(leftovers).toEqual([]);
}

describe('pio-deploy smoke', () => {
  it('runs the whole lifecycle, passes the template queries, exits 0 and leaves nothing running', async () => {
    const result = await runCli(box, ['smoke'], appDir);
    const output = result.all ?? '';
    expect(result.exitCode, output).toBe(0);
    expect(output).toContain('-----> Building from commit');
    expect(output).toContain('Creating PredictionIO app');
    expect(output).toMatch(/ok {4}light user \(\d/);
    expect(output).toMatch(/ok {4}missing usage is refused/);
    expect(output).toContain('-----> Passed: 4 of 4 queries passed');
    expect(output).toContain('everything stopped and removed');
    // Quiet by default: no engine-server log lines.
    expect(output).not.toContain('"level":30');
    await expectCleanedUp(output);
  }, 300_000);

  it('reports a wrong expectation and exits 1', async () => {
    const queries = join(box.dir, 'wrong.jsonl');
    await writeFile(
      queries,
      [
        '{"name": "right", "query": {"voice_usage": 12, "data_usage": 0, "text_usage": 4}, "expect": {"service_plan": 0}}',
        '{"name": "wrong", "query": {"voice_usage": 12, "data_usage": 0, "text_usage": 4}, "expect": {"service_plan": 5}}',
        '{"name": "predicate", "query": {"voice_usage": 12, "data_usage": 0, "text_usage": 4}, "match": {"path": "service_plan", "gte": 3}}',
      ].join('\n'),
    );
    const result = await runCli(box, ['smoke', '.', '--queries', queries], appDir);
    const output = result.all ?? '';
    expect(result.exitCode, output).toBe(1);
    expect(output).toMatch(/ok {4}right/);
    expect(output).toMatch(/FAIL {2}wrong \(/);
    expect(output).toContain('expected {"service_plan":5}');
    expect(output).toContain('got 200 {"service_plan":0}');
    expect(output).toContain('service_plan is 0, expected ≥ 3');
    expect(output).toContain('-----> FAILED: 1 of 3 queries passed');
    await expectCleanedUp(output);
  }, 300_000);

  it('refuses a bad queries file before building anything', async () => {
    const queries = join(box.dir, 'bad.jsonl');
    await writeFile(queries, '{"query": {}}\n{"query": {}, "expect": 1, "typo": true}\n');
    const result = await runCli(box, ['smoke', '--queries', queries], appDir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${queries} line 2 is not a query line`);
    expect(result.stdout).not.toContain('Building');
  });
});
