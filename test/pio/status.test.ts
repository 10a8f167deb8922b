import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lib/net.js';
import { createPioTestContext, runPio, tableExists, type PioTestContext } from './helpers.js';

let ctx: PioTestContext;
beforeAll(async () => {
  ctx = await createPioTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('pio status', () => {
  it('inspects the runtime and every repository, ending with the ready line', async () => {
    const result = await ctx.pio(['status']);
    expect(result.exitCode).toBe(0);
    expect(result.lines[0]).toBe('[INFO] [Management$] Inspecting PredictionIO...');
    expect(result.lines[1]).toMatch(/^\[INFO\] \[Management\$\] PredictionIO 0\.14\.0 is installed at \//);
    expect(result.stdout).toMatch(/Native runtime: pio-deploy \d+\.\d+\.\d+\S* on Node\.js \d+/);
    expect(result.lines).toContain('[INFO] [Management$] Repository METADATA: namespace pio_meta, source PGSQL');
    expect(result.stdout).toContain('Source PGSQL: jdbc jdbc:postgresql://');
    expect(result.stdout).toContain('(from PIO_STORAGE_SOURCES_PGSQL_*)');
    const storageLines = result.lines.filter((line) => line.startsWith('[INFO] [Storage$]'));
    expect(storageLines).toEqual([
      '[INFO] [Storage$] Verifying Meta Data Backend (Source: PGSQL)...',
      '[INFO] [Storage$] Verifying Model Data Backend (Source: PGSQL)...',
      '[INFO] [Storage$] Verifying Event Data Backend (Source: PGSQL)...',
      '[INFO] [Storage$] Test writing to Event Store (App Id 0)...',
    ]);
    expect(result.lines.at(-1)).toBe('[INFO] [Management$] Your system is all ready to go.');
    expect(await tableExists(ctx, 'pio_meta_apps')).toBe(true);
    expect(await tableExists(ctx, 'pio_event_0')).toBe(false);
  });

  it('reports an unreachable database and exits 1, without the password', async () => {
    const port = await freePort(); // nothing listens there
    const env = {
      ...ctx.env,
      PIO_STORAGE_SOURCES_PGSQL_URL: `jdbc:postgresql://127.0.0.1:${port}/pio?sslmode=disable&connectTimeout=5`,
      PIO_STORAGE_SOURCES_PGSQL_PASSWORD: 'secret-pw-123',
    };
    const result = await runPio(['status'], { env });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('[ERROR] [Management$] Unable to connect to all storage backends successfully.');
    expect(result.stdout).not.toContain('Your system is all ready to go.');
    expect(result.stdout + result.stderr).not.toContain('secret-pw-123');
  });
});
