import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

describe('the test suite itself', () => {
  it('exits non-zero when a test fails, with the real global setup (a red CI must stay red)', async () => {
    const result = await execa('npx', ['vitest', 'run', '--config', 'test/fixtures/exit-code/vitest.config.ts'], {
      reject: false,
      env: { ...process.env, TEST_DATABASE_URL: '' },
    });
    expect(result.stdout + result.stderr).toContain('fails on purpose');
    expect(result.exitCode).toBe(1);
  }, 180_000);
});
