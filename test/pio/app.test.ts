import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createPioTestContext, tableExists, type PioTestContext } from './helpers.js';

let ctx: PioTestContext;
beforeAll(async () => {
  ctx = await createPioTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('pio app new', () => {
  it('creates the app, its event table and a 64-char key, printing upstream lines', async () => {
    const result = await ctx.pio(['app', 'new', 'NewApp']);
    expect(result.exitCode).toBe(0);
    const [id] = (await ctx.query<{ id: number }>("SELECT id FROM pio_meta_apps WHERE name = 'NewApp'")).map((r) => r.id);
    const keys = await ctx.query<{ accesskey: string; events: string | null }>(
      'SELECT accesskey, events FROM pio_meta_accesskeys WHERE appid = $1',
      [id],
    );
    expect(keys).toHaveLength(1);
    expect(keys[0]!.accesskey).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{63}$/);
    expect(keys[0]!.events).toBeNull();
    expect(result.lines).toEqual([
      `[INFO] [App$] Initialized Event Store for this app ID: ${id}.`,
      '[INFO] [Pio$] Created a new app:',
      '[INFO] [Pio$]       Name: NewApp',
      `[INFO] [Pio$]         ID: ${id}`,
      `[INFO] [Pio$] Access Key: ${keys[0]!.accesskey}`,
    ]);
    expect(await tableExists(ctx, `pio_event_${id}`)).toBe(true);
  });

  it('honours --id, --description and --access-key', async () => {
    const result = await ctx.pio(['app', 'new', '--id', '42', '--description', 'Movie ratings', '--access-key', 'myKey-1', 'Custom']);
    expect(result.exitCode).toBe(0);
    expect(result.lines).toContain('[INFO] [Pio$]         ID: 42');
    expect(result.lines).toContain('[INFO] [Pio$] Access Key: myKey-1');
    expect(await ctx.query('SELECT id, name, description FROM pio_meta_apps WHERE id = 42')).toEqual([
      { id: 42, name: 'Custom', description: 'Movie ratings' },
    ]);
    expect(await tableExists(ctx, 'pio_event_42')).toBe(true);
  });

  it('refuses a duplicate name and a taken --id, creating nothing', async () => {
    await createApp(ctx, 'Dup');
    const before = await ctx.query('SELECT count(*)::int AS n FROM pio_meta_apps');
    const duplicate = await ctx.pio(['app', 'new', 'Dup']);
    expect(duplicate.exitCode).toBe(1);
    expect(duplicate.lines).toEqual(['[ERROR] [App$] App Dup already exists. Aborting.']);
    const taken = await ctx.pio(['app', 'new', '--id', '42', 'Other']);
    expect(taken.exitCode).toBe(1);
    expect(taken.lines).toEqual(["[ERROR] [App$] App ID 42 already exists and maps to the app 'Custom'. Aborting."]);
    const keyInUse = await ctx.pio(['app', 'new', '--access-key', 'myKey-1', 'Other']);
    expect(keyInUse.exitCode).toBe(1);
    expect(keyInUse.lines).toEqual(['[ERROR] [App$] The access key is already in use. Aborting.']);
    const tooLong = await ctx.pio(['app', 'new', '--access-key', 'k'.repeat(65), 'Other']);
    expect(tooLong.exitCode).toBe(1);
    expect(await ctx.query('SELECT count(*)::int AS n FROM pio_meta_apps')).toEqual(before);
  });
});

describe('pio app list / show', () => {
  it('lists one row per access key in upstream columns, parseable like the integration tests do', async () => {
    const a = await createApp(ctx, 'ListA');
    await ctx.pio(['accesskey', 'new', '--key', 'second-key', 'ListA', 'rate', 'buy']);
    const result = await ctx.pio(['app', 'list']);
    expect(result.exitCode).toBe(0);
    expect(result.lines[0]).toBe(
      '[INFO] [Pio$]                 Name |   ID |                                                       Access Key | Allowed Event(s)',
    );
    const appCount = (await ctx.query<{ n: number }>('SELECT count(*)::int AS n FROM pio_meta_apps'))[0]!.n;
    expect(result.lines.at(-1)).toBe(`[INFO] [Pio$] Finished listing ${appCount} app(s).`);
    expect(result.lines).toContain(`[INFO] [Pio$] ${'ListA'.padStart(20)} | ${String(a.id).padStart(4)} | ${a.key} | (all)`);
    expect(result.lines).toContain(
      `[INFO] [Pio$] ${'ListA'.padStart(20)} | ${String(a.id).padStart(4)} | ${'second-key'.padStart(64)} | buy,rate`,
    );
    // tests/pio_tests/utils.py: drop first and last line, split on whitespace.
    const rows = result.lines.slice(1, -1).map((line) => line.split(/\s+/));
    const listA = rows.filter((tokens) => tokens[2] === 'ListA');
    expect(listA.map((tokens) => [Number(tokens[4]), tokens[6], tokens[8]])).toEqual([
      [a.id, a.key, '(all)'],
      [a.id, 'second-key', 'buy,rate'],
    ]);
    const names = rows.map((tokens) => tokens[2]!);
    expect(names).toEqual([...names].sort());
  });

  it('shows an app in the layout the integration tests parse', async () => {
    const app = await createApp(ctx, 'ShowMe', ['--description', 'Shown app']);
    await ctx.pio(['app', 'channel-new', 'ShowMe', 'web']);
    const result = await ctx.pio(['app', 'show', 'ShowMe']);
    expect(result.exitCode).toBe(0);
    const channelId = (await ctx.query<{ id: number }>('SELECT id FROM pio_meta_channels WHERE appid = $1', [app.id]))[0]!.id;
    expect(result.lines).toEqual([
      '[INFO] [Pio$]     App Name: ShowMe',
      `[INFO] [Pio$]       App ID: ${app.id}`,
      '[INFO] [Pio$]  Description: Shown app',
      `[INFO] [Pio$]   Access Key: ${app.key} | (all)`,
      '[INFO] [Pio$]     Channels:     Channel Name | Channel ID ',
      `[INFO] [Pio$]                            web | ${String(channelId).padStart(10)}`,
    ]);
    const tokens = result.lines.map((line) => line.split(/\s+/));
    expect(Number(tokens[1]![4])).toBe(app.id);
    expect(tokens[2]![3]).toBe('Shown');
    expect(tokens[3]![4]).toBe(app.key);
  });

  it('shows an empty description and no channel block when there is none', async () => {
    await createApp(ctx, 'Bare');
    const result = await ctx.pio(['app', 'show', 'Bare']);
    expect(result.lines[2]).toBe('[INFO] [Pio$]  Description: ');
    expect(result.lines).toHaveLength(4);
  });

  it('unknown app → error, exit 1', async () => {
    const result = await ctx.pio(['app', 'show', 'Nope']);
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual(['[ERROR] [App$] App Nope does not exist. Aborting.']);
  });
});

describe('pio app channel-new / channel-delete', () => {
  it('creates a channel and its event table', async () => {
    const app = await createApp(ctx, 'Chan');
    const result = await ctx.pio(['app', 'channel-new', 'Chan', 'mobile-1']);
    expect(result.exitCode).toBe(0);
    const [channel] = await ctx.query<{ id: number }>("SELECT id FROM pio_meta_channels WHERE name = 'mobile-1'");
    expect(result.lines).toEqual([
      '[INFO] [App$] Updated Channel meta-data.',
      '[INFO] [App$] Initialized Event Store for the channel: mobile-1.',
      '[INFO] [App$] Created new channel:',
      '[INFO] [App$]     Channel Name: mobile-1',
      `[INFO] [App$]       Channel ID: ${channel!.id}`,
      `[INFO] [App$]           App ID: ${app.id}`,
    ]);
    expect(await tableExists(ctx, `pio_event_${app.id}_${channel!.id}`)).toBe(true);
  });

  it('refuses an existing or invalid channel name', async () => {
    await createApp(ctx, 'Chan2');
    await ctx.pio(['app', 'channel-new', 'Chan2', 'one']);
    const exists = await ctx.pio(['app', 'channel-new', 'Chan2', 'one']);
    expect(exists.exitCode).toBe(1);
    expect(exists.lines).toEqual([
      '[ERROR] [App$] Channel one already exists.',
      '[ERROR] [App$] Unable to create new channel.',
    ]);
    for (const bad of ['has_underscore', 'x'.repeat(17)]) {
      const invalid = await ctx.pio(['app', 'channel-new', 'Chan2', bad]);
      expect(invalid.exitCode).toBe(1);
      expect(invalid.lines).toEqual([
        '[ERROR] [App$] Unable to create new channel.',
        `[ERROR] [App$] The channel name ${bad} is invalid.`,
        '[ERROR] [App$] Only alphanumeric and - characters are allowed and max length is 16.',
      ]);
    }
    const unknownApp = await ctx.pio(['app', 'channel-new', 'NoSuchApp', 'one']);
    expect(unknownApp.lines).toEqual(['[ERROR] [App$] App NoSuchApp does not exist. Aborting.']);
  });

  it('deletes a channel with --force; unknown channel is an error', async () => {
    const app = await createApp(ctx, 'Chan3');
    await ctx.pio(['app', 'channel-new', 'Chan3', 'gone']);
    const [channel] = await ctx.query<{ id: number }>("SELECT id FROM pio_meta_channels WHERE name = 'gone'");
    const unknown = await ctx.pio(['app', 'channel-delete', 'Chan3', 'nope', '--force']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.lines).toEqual(['[ERROR] [Pio$] Unable to delete channel.', "[ERROR] [Pio$] Channel nope doesn't exist."]);
    const result = await ctx.pio(['app', 'channel-delete', 'Chan3', 'gone', '-f']);
    expect(result.exitCode).toBe(0);
    expect(result.lines).toEqual([
      '[INFO] [Pio$] The following channel will be deleted. Are you sure?',
      '[INFO] [Pio$]     Channel Name: gone',
      `[INFO] [Pio$]       Channel ID: ${channel!.id}`,
      '[INFO] [Pio$]         App Name: Chan3',
      `[INFO] [Pio$]           App ID: ${app.id}`,
      '[INFO] [App$] Removed Event Store for this channel: gone',
      '[INFO] [App$] Deleted channel: gone.',
    ]);
    expect(await tableExists(ctx, `pio_event_${app.id}_${channel!.id}`)).toBe(false);
    expect(await ctx.query('SELECT * FROM pio_meta_channels WHERE id = $1', [channel!.id])).toEqual([]);
  });
});

describe('pio app data-delete', () => {
  async function insertEvent(table: string): Promise<void> {
    await ctx.query(
      `INSERT INTO ${table} (id, event, entitytype, entityid, eventtimezone, creationtimezone) VALUES (md5(random()::text), 'e', 't', 'i', 'UTC', 'UTC')`,
    );
  }
  const count = async (table: string) => (await ctx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  it('empties the default channel only, then a named channel, then all', async () => {
    const app = await createApp(ctx, 'Data', ['--description', 'd']);
    await ctx.pio(['app', 'channel-new', 'Data', 'ch']);
    const [channel] = await ctx.query<{ id: number }>('SELECT id FROM pio_meta_channels WHERE appid = $1', [app.id]);
    const main = `pio_event_${app.id}`;
    const side = `pio_event_${app.id}_${channel!.id}`;
    await insertEvent(main);
    await insertEvent(side);

    const defaultOnly = await ctx.pio(['app', 'data-delete', 'Data', '--force']);
    expect(defaultOnly.exitCode).toBe(0);
    expect(defaultOnly.lines).toEqual([
      '[INFO] [Pio$] Data of the following app (default channel only) will be deleted. Are you sure?',
      '[INFO] [Pio$]     App Name: Data',
      `[INFO] [Pio$]       App ID: ${app.id}`,
      '[INFO] [Pio$]  Description: Some(d)',
      `[INFO] [App$] Removed Event Store for the app ID: ${app.id}`,
      `[INFO] [App$] Initialized Event Store for the app ID: ${app.id}`,
    ]);
    expect([await count(main), await count(side)]).toEqual([0, 1]);

    await insertEvent(main);
    const channelOnly = await ctx.pio(['app', 'data-delete', 'Data', '--channel', 'ch', '--force']);
    expect(channelOnly.exitCode).toBe(0);
    expect(channelOnly.lines.slice(0, 3)).toEqual([
      '[INFO] [Pio$] Data of the following channel will be deleted. Are you sure?',
      '[INFO] [Pio$] Channel Name: ch',
      `[INFO] [Pio$]   Channel ID: ${channel!.id}`,
    ]);
    expect(channelOnly.lines.slice(-2)).toEqual([
      `[INFO] [App$] Removed Event Store for the channel ID: ${channel!.id}`,
      `[INFO] [App$] Initialized Event Store for the channel ID: ${channel!.id}`,
    ]);
    expect([await count(main), await count(side)]).toEqual([1, 0]);

    await insertEvent(side);
    const all = await ctx.pio(['app', 'data-delete', 'Data', '--all', '--force']);
    expect(all.exitCode).toBe(0);
    expect(all.lines[0]).toBe(
      '[INFO] [Pio$] All data of the app (including default and all channels) will be deleted. Are you sure?',
    );
    expect([await count(main), await count(side)]).toEqual([0, 0]);
  });

  it('unknown channel → two error lines, exit 1', async () => {
    await createApp(ctx, 'Data2');
    const result = await ctx.pio(['app', 'data-delete', 'Data2', '--channel', 'nope', '-f']);
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([
      '[ERROR] [Pio$] Unable to delete data for channel.',
      "[ERROR] [Pio$] Channel nope doesn't exist.",
    ]);
  });

  it('without --force asks; anything but YES aborts with exit 0 and keeps the data', async () => {
    const app = await createApp(ctx, 'Data3');
    await insertEvent(`pio_event_${app.id}`);
    const declined = await ctx.pio(['app', 'data-delete', 'Data3'], { input: 'yes\n' });
    expect(declined.exitCode).toBe(0);
    expect(declined.stdout).toContain("Enter 'YES' to proceed: \n[INFO] [Pio$] Aborted.\n");
    expect(await count(`pio_event_${app.id}`)).toBe(1);
    const noInput = await ctx.pio(['app', 'data-delete', 'Data3']);
    expect(noInput.exitCode).toBe(0);
    expect(noInput.lines.at(-1)).toBe('[INFO] [Pio$] Aborted.');
    const accepted = await ctx.pio(['app', 'data-delete', 'Data3'], { input: 'YES\n' });
    expect(accepted.exitCode).toBe(0);
    expect(await count(`pio_event_${app.id}`)).toBe(0);
  });
});

describe('pio app delete', () => {
  it('deletes channels, event tables, keys and the app, in upstream order', async () => {
    const app = await createApp(ctx, 'Doomed');
    await ctx.pio(['app', 'channel-new', 'Doomed', 'c1']);
    await ctx.pio(['accesskey', 'new', '--key', 'doomed-2', 'Doomed']);
    const [channel] = await ctx.query<{ id: number }>('SELECT id FROM pio_meta_channels WHERE appid = $1', [app.id]);
    const result = await ctx.pio(['app', 'delete', 'Doomed', '--force']);
    expect(result.exitCode).toBe(0);
    expect(result.lines).toEqual([
      '[INFO] [Pio$] The following app (including all channels) will be deleted. Are you sure?',
      '[INFO] [Pio$]     App Name: Doomed',
      `[INFO] [Pio$]       App ID: ${app.id}`,
      '[INFO] [Pio$]  Description: ',
      '[INFO] [Pio$]     Channels:     Channel Name | Channel ID ',
      `[INFO] [Pio$]                             c1 | ${String(channel!.id).padStart(10)}`,
      `[INFO] [App$] Removed Event Store of the channel ID: ${channel!.id}`,
      '[INFO] [App$] Deleted channel c1',
      `[INFO] [App$] Removed Event Store for this app ID: ${app.id}`,
      `[INFO] [App$] Removed access key ${app.key}`,
      '[INFO] [App$] Removed access key doomed-2',
      '[INFO] [App$] Deleted app Doomed.',
      '[INFO] [App$] Done.',
    ]);
    expect(await ctx.query('SELECT * FROM pio_meta_apps WHERE id = $1', [app.id])).toEqual([]);
    expect(await ctx.query('SELECT * FROM pio_meta_accesskeys WHERE appid = $1', [app.id])).toEqual([]);
    expect(await ctx.query('SELECT * FROM pio_meta_channels WHERE appid = $1', [app.id])).toEqual([]);
    expect(await tableExists(ctx, `pio_event_${app.id}`)).toBe(false);
    expect(await tableExists(ctx, `pio_event_${app.id}_${channel!.id}`)).toBe(false);
  });

  it('asks without --force and keeps the app when declined; unknown app is an error', async () => {
    const app = await createApp(ctx, 'Kept');
    const declined = await ctx.pio(['app', 'delete', 'Kept'], { input: 'no\n' });
    expect(declined.exitCode).toBe(0);
    expect(declined.lines.at(-1)).toBe('[INFO] [Pio$] Aborted.');
    expect(await ctx.query('SELECT name FROM pio_meta_apps WHERE id = $1', [app.id])).toEqual([{ name: 'Kept' }]);
    const unknown = await ctx.pio(['app', 'delete', 'Nope', '-f']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.lines).toEqual(['[ERROR] [App$] App Nope does not exist. Aborting.']);
  });
});
