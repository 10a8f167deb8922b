import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createPioTestContext, type PioTestContext } from './helpers.js';

let ctx: PioTestContext;
beforeAll(async () => {
  ctx = await createPioTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('pio accesskey', () => {
  it('new: generated or given key, optional event whitelist', async () => {
    const app = await createApp(ctx, 'Keys');
    const generated = await ctx.pio(['accesskey', 'new', 'Keys']);
    expect(generated.exitCode).toBe(0);
    const key = /Created new access key: (\S+)$/.exec(generated.lines[0] ?? '')?.[1];
    expect(key).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{63}$/);
    expect(generated.lines).toEqual([`[INFO] [AccessKey$] Created new access key: ${key}`]);

    const given = await ctx.pio(['accesskey', 'new', '--key', 'given-key', 'Keys', 'rate', 'buy']);
    expect(given.lines).toEqual(['[INFO] [AccessKey$] Created new access key: given-key']);
    const rows = await ctx.query<{ accesskey: string; appid: number; events: string | null }>(
      'SELECT accesskey, appid, events FROM pio_meta_accesskeys WHERE appid = $1 ORDER BY accesskey',
      [app.id],
    );
    expect(rows).toContainEqual({ accesskey: 'given-key', appid: app.id, events: 'rate,buy' });
    expect(rows).toContainEqual({ accesskey: key, appid: app.id, events: null });
    expect(rows).toHaveLength(3);

    const duplicate = await ctx.pio(['accesskey', 'new', '--key', 'given-key', 'Keys']);
    expect(duplicate.exitCode).toBe(1);
    expect(duplicate.lines).toEqual(['[ERROR] [AccessKey$] The access key is already in use. Aborting.']);
  });

  it('new for an unknown app → error, exit 1', async () => {
    const result = await ctx.pio(['accesskey', 'new', 'Ghost']);
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual(['[ERROR] [AccessKey$] App Ghost does not exist. Aborting.']);
  });

  it('list: all keys sorted by app id, or one app; upstream columns', async () => {
    const first = await createApp(ctx, 'ListOne');
    const second = await createApp(ctx, 'ListTwo');
    await ctx.pio(['accesskey', 'new', '--key', 'two-b', 'ListTwo', 'view']);
    const all = await ctx.pio(['accesskey', 'list']);
    expect(all.exitCode).toBe(0);
    expect(all.lines[0]).toBe(
      '[INFO] [Pio$]                                                    Access Key(s) | App ID | Allowed Event(s)',
    );
    const total = (await ctx.query<{ n: number }>('SELECT count(*)::int AS n FROM pio_meta_accesskeys'))[0]!.n;
    expect(all.lines.at(-1)).toBe(`[INFO] [Pio$] Finished listing ${total} access key(s).`);
    const appIds = all.lines.slice(1, -1).map((line) => Number(line.split('|')[1]));
    expect(appIds).toEqual([...appIds].sort((a, b) => a - b));
    expect(all.lines).toContain(`[INFO] [Pio$] ${first.key} | ${String(first.id).padStart(6)} | (all)`);

    const one = await ctx.pio(['accesskey', 'list', 'ListTwo']);
    expect(one.lines).toEqual([
      '[INFO] [Pio$]                                                    Access Key(s) | App ID | Allowed Event(s)',
      `[INFO] [Pio$] ${second.key} | ${String(second.id).padStart(6)} | (all)`,
      `[INFO] [Pio$] ${'two-b'.padStart(64)} | ${String(second.id).padStart(6)} | view`,
      '[INFO] [Pio$] Finished listing 2 access key(s).',
    ]);
    const unknown = await ctx.pio(['accesskey', 'list', 'Ghost']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.lines).toEqual(['[ERROR] [AccessKey$] App Ghost does not exist. Aborting.']);
  });

  it('delete: removes the key; an unknown key also succeeds (upstream)', async () => {
    await createApp(ctx, 'DelKey');
    await ctx.pio(['accesskey', 'new', '--key', 'to-delete', 'DelKey']);
    const result = await ctx.pio(['accesskey', 'delete', 'to-delete']);
    expect(result.exitCode).toBe(0);
    expect(result.lines).toEqual(['[INFO] [AccessKey$] Deleted access key to-delete.']);
    expect(await ctx.query("SELECT * FROM pio_meta_accesskeys WHERE accesskey = 'to-delete'")).toEqual([]);
    const again = await ctx.pio(['accesskey', 'delete', 'to-delete']);
    expect(again.exitCode).toBe(0);
    expect(again.lines).toEqual(['[INFO] [AccessKey$] Deleted access key to-delete.']);
  });
});
