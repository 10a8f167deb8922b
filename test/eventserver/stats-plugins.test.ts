import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlugins, type EventInfo, type InputBlocker, type InputSniffer } from '../../src/native/eventserver/plugins.js';
import { EventStats } from '../../src/native/eventserver/stats.js';
import { event, http, startTestEventServer, type TestEventServer } from './helpers.js';

describe('EventStats', () => {
  it('counts per app and rolls the current hour into the previous one', () => {
    let now = new Date(2024, 0, 1, 10, 15);
    const stats = new EventStats(() => now);
    stats.record(1, 201, { event: 'rate', entityType: 'user', targetEntityType: 'item' });
    stats.record(1, 201, { event: 'rate', entityType: 'user', targetEntityType: 'item' });
    stats.record(2, 201, { event: '$set', entityType: 'user' });
    const first = stats.snapshot(1) as Record<string, { basic: unknown[]; startTime: string; endTime?: string }>;
    expect(first.currentHour?.basic).toEqual([{ key: { entityType: 'user', targetEntityType: 'item', event: 'rate' }, value: 2 }]);
    expect(first.currentHour?.startTime).toBe(new Date(2024, 0, 1, 10).toISOString());
    expect(first.prevHour?.basic).toEqual([]);

    now = new Date(2024, 0, 1, 11, 5);
    stats.record(1, 201, { event: 'view', entityType: 'user' });
    const second = stats.snapshot(1) as Record<string, { basic: Array<{ value: number }>; endTime?: string; statusCode: unknown[] }>;
    expect(second.prevHour?.basic.map((entry) => entry.value)).toEqual([2]);
    expect(second.prevHour?.endTime).toBe(new Date(2024, 0, 1, 11).toISOString());
    expect(second.currentHour?.basic).toEqual([{ key: { entityType: 'user', event: 'view' }, value: 1 }]);
    expect(second.longLive?.statusCode).toEqual([{ key: { intValue: 201, reason: 'Created', isSuccess: true }, value: 3 }]);
    expect((stats.snapshot(2) as Record<string, { basic: unknown[] }>).longLive?.basic).toHaveLength(1);
  });
});

describe('--stats and plugins over HTTP', () => {
  let server: TestEventServer;
  const sniffed: EventInfo[] = [];
  const blocker: InputBlocker = {
    name: 'no-spam',
    description: 'rejects spam events',
    process(info) {
      if (info.event.event === 'spam') throw new Error('spam is blocked');
    },
    handleRest: (appId, _channel, args) => JSON.stringify({ appId, args }),
  };
  const sniffer: InputSniffer = {
    name: 'recorder',
    description: 'records events',
    className: 'test.Recorder',
    process(info) {
      sniffed.push(info);
    },
  };

  beforeAll(async () => {
    server = await startTestEventServer({ stats: true, plugins: { inputBlockers: [blocker], inputSniffers: [sniffer] } });
  });
  afterAll(async () => {
    await server?.close();
  });
  const url = (path: string) => `${server.baseUrl}${path}?accessKey=${server.main.key}`;

  it('counts successful inserts from single and batch posts only', async () => {
    await http('POST', url('/events.json'), { body: event() });
    await http('POST', url('/batch/events.json'), { body: [event(), event({ event: 'view' }), { event: 'bad' }] });
    await http('POST', url('/events.json'), { body: { event: 'bad' } });
    const response = await http('GET', url('/stats.json'));
    expect(response.status).toBe(200);
    const stats = response.json as Record<string, { basic: Array<{ key: { event: string }; value: number }> }>;
    expect(typeof (response.json as { time: unknown }).time).toBe('string');
    const counts = Object.fromEntries((stats.longLive?.basic ?? []).map((entry) => [entry.key.event, entry.value]));
    expect(counts).toEqual({ rate: 2, view: 1 });
  });

  it('lists plugins and routes REST calls to them', async () => {
    const list = await http('GET', `${server.baseUrl}/plugins.json`);
    expect(list.json).toEqual({
      plugins: {
        inputblockers: { 'no-spam': { name: 'no-spam', description: 'rejects spam events', class: 'no-spam' } },
        inputsniffers: { recorder: { name: 'recorder', description: 'records events', class: 'test.Recorder' } },
      },
    });
    const rest = await http('GET', url('/plugins/inputblocker/no-spam/a/b'));
    expect(rest.status).toBe(200);
    expect(rest.json).toEqual({ appId: server.main.appId, args: ['a', 'b'] });
    const unknown = await http('GET', url('/plugins/inputblocker/missing'));
    expect(unknown.status).toBe(500);
  });

  it('lets a blocker reject an event (500) and lets sniffers see stored events', async () => {
    const blocked = await http('POST', url('/events.json'), { body: event({ event: 'spam', entityId: 'spammer' }) });
    expect(blocked.status).toBe(500);
    expect(blocked.text).toBe('{"message":"spam is blocked"}');
    expect(await server.storage.events.count({ appId: server.main.appId }, { entityId: 'spammer' })).toBe(0);
    const batch = await http('POST', url('/batch/events.json'), { body: [event({ entityId: 'ok' }), event({ event: 'spam' })] });
    expect(batch.status).toBe(500);
    expect(await server.storage.events.count({ appId: server.main.appId }, { entityId: 'ok' })).toBe(0);

    await http('POST', url('/events.json'), { body: event({ entityId: 'sniff-me' }) });
    // Sniffers run after the response, asynchronously.
    const deadline = Date.now() + 5000;
    while (!sniffed.some((info) => info.event.entityId === 'sniff-me') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(sniffed.some((info) => info.event.entityId === 'sniff-me')).toBe(true);
    expect(sniffed.some((info) => info.event.entityId === 'spammer')).toBe(false);
  });
});

describe('loadPlugins (PIO_EVENTSERVER_PLUGINS)', () => {
  it('loads blockers and sniffers from module paths and rejects modules without any', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pio-es-plugins-'));
    try {
      await writeFile(
        join(dir, 'blocker.mjs'),
        "export const inputBlockers = [{ name: 'b', description: 'd', process() {} }];\n",
      );
      await writeFile(join(dir, 'sniffer.mjs'), "export default { inputSniffers: [{ name: 's', description: 'd', process() {} }] };\n");
      await writeFile(join(dir, 'empty.mjs'), 'export const nothing = 1;\n');
      const plugins = await loadPlugins(' ./blocker.mjs, ./sniffer.mjs ', dir);
      expect(plugins.inputBlockers?.map((plugin) => plugin.name)).toEqual(['b']);
      expect(plugins.inputSniffers?.map((plugin) => plugin.name)).toEqual(['s']);
      expect(await loadPlugins(undefined, dir)).toEqual({ inputBlockers: [], inputSniffers: [] });
      await expect(loadPlugins('./empty.mjs', dir)).rejects.toThrow('exports no inputBlockers or inputSniffers array');
      await expect(loadPlugins('./missing.mjs', dir)).rejects.toThrow('Cannot load Event Server plugin module ./missing.mjs');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
