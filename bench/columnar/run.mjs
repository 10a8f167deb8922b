#!/usr/bin/env node
// Columnar training reads (issue 13, Scale): `events.readColumns` against a bare binary `COPY … TO STDOUT`
// of the same rows that only counts bytes, in the same run on the same table (the goal: at least 0.6 of
// the bare COPY's rate), and `events.stream` for reference. Uses dist/ (run `npm run build` first) and a
// throw-away embedded PostgreSQL in a temp PIO_HOME.
// Usage: node bench/columnar/run.mjs [--quick] [--events N] [--write]
//   --quick: 300,000 events (the default is 2,000,000); --write: replace the Scale section of BENCHMARKS.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { machineSummary, markdownTable, median, writeBenchmarkSection } from '../lib/report.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const { ensureEmbeddedPostgres, stopEmbeddedPostgres, openStorage, resolveStorageSettings } = await import('../../dist/native/storage/index.js');
const { columnCopyCommand } = await import('../../dist/native/storage/event-columns.js');
const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, events: { type: 'string' }, write: { type: 'boolean', default: false } },
});
const EVENTS = Number(values.events ?? (values.quick ? 300_000 : 2_000_000));
const ROUNDS = 3;
const USERS = Math.max(1, Math.round(EVENTS / 20));
const ITEMS = Math.max(1, Math.round(EVENTS / 50));
// The recommendation template's read: rate and buy events of users on items, with the rating.
const QUERY = { entityType: 'user', eventNames: ['rate', 'buy'], targetEntityType: 'item', numericProperty: 'rating' };

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** The same COPY, read with nothing but a byte count: what the wire and the server cost. */
async function bareCopy(connectionString, command) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const start = performance.now();
    let bytes = 0;
    for await (const chunk of client.query(copyStreams.to(command))) bytes += chunk.length;
    return { ms: performance.now() - start, bytes };
  } finally {
    await client.end();
  }
}

const home = await mkdtemp(join(tmpdir(), 'pio-bench-columnar-'));
try {
  const server = await ensureEmbeddedPostgres({ pioHome: home });
  const url = `postgres://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${server.database}`;
  const storage = await openStorage(resolveStorageSettings({ PIO_HOME: home }));
  try {
    const scope = { appId: 1 };
    await storage.events.init(scope);
    /** @returns {AsyncGenerator<import('../../dist/native/storage/index.js').EventInput>} */
    async function* source() {
      for (let i = 0; i < EVENTS; i++) {
        const buy = i % 10 === 0;
        yield {
          event: buy ? 'buy' : 'rate',
          entityType: 'user',
          entityId: `u${(i * 7919) % USERS}`,
          targetEntityType: 'item',
          targetEntityId: `i${(i * 104_729) % ITEMS}`,
          properties: buy ? {} : { rating: (i % 5) + 1 },
          eventTime: new Date(Date.UTC(2020, 0, 1) + i * 1000),
          eventTimeZone: 'UTC',
        };
      }
    }
    let t = performance.now();
    await storage.events.importStream(scope, source());
    console.log(`imported ${EVENTS} events in ${(performance.now() - t).toFixed(0)} ms`);
    await storage.events.count(scope); // warms the table's pages into shared buffers
    const command = columnCopyCommand(storage.events.tableName(scope), QUERY);

    const bare = [];
    const columnar = [];
    const ordered = [];
    let bytes = 0;
    let rows = 0;
    let rssPeak = process.memoryUsage().rss;
    const rssBefore = rssPeak;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    for (let round = 0; round < ROUNDS; round++) {
      const read = await bareCopy(url, command);
      bare.push(read.ms);
      bytes = read.bytes;
      t = performance.now();
      const columns = await storage.events.readColumns(scope, QUERY);
      columnar.push(performance.now() - t);
      rows = columns.size;
      t = performance.now();
      await storage.events.readColumns(scope, { ...QUERY, ordered: true });
      ordered.push(performance.now() - t);
    }
    clearInterval(sampler);

    t = performance.now();
    let streamed = 0;
    for await (const _ of storage.events.stream(scope, QUERY)) streamed++;
    const streamMs = performance.now() - t;

    const rate = (ms) => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;
    const bareMs = median(bare);
    const columnarMs = median(columnar);
    const table = markdownTable([
      ['Read (same rows, same run)', 'Median of 3', 'Rate', 'Relative to bare COPY'],
      [`bare binary COPY TO (counts ${mb(bytes)})`, `${bareMs.toFixed(0)} ms`, rate(bareMs), '1.00'],
      ['events.readColumns (typed arrays)', `${columnarMs.toFixed(0)} ms`, rate(columnarMs), (bareMs / columnarMs).toFixed(2)],
      ["events.readColumns, ordered: true (find's order, a sort)", `${median(ordered).toFixed(0)} ms`, rate(median(ordered)), (bareMs / median(ordered)).toFixed(2)],
      [`events.stream (one run, ${streamed} events)`, `${streamMs.toFixed(0)} ms`, rate(streamMs), (bareMs / streamMs).toFixed(2)],
    ]);
    console.log(table);
    console.log(`rows ${rows}, distinct users ${USERS}, items ${ITEMS}; RSS +${mb(rssPeak - rssBefore)} at peak during the COPY rounds`);
    if (values.write) {
      await writeBenchmarkSection(ROOT, 'scale', [
        '## Scale',
        '',
        '### Columnar training reads',
        '',
        `\`node bench/columnar/run.mjs${values.quick ? ' --quick' : ''}\`: ${rows.toLocaleString('en-US')} rate/buy events ` +
          `(${USERS.toLocaleString('en-US')} users, ${ITEMS.toLocaleString('en-US')} items) in an embedded PostgreSQL, ` +
          'each read of the recommendation template’s query timed in the same run. Goal: `readColumns` at ≥ 0.6 of the bare COPY.',
        '',
        table,
        '',
        `Peak RSS growth during the COPY rounds: ${mb(rssPeak - rssBefore)}. Machine: ${machineSummary()} (shared, loaded).`,
      ]);
    }
  } finally {
    await storage.close();
  }
} finally {
  await stopEmbeddedPostgres(home).catch(() => undefined);
  await rm(home, { recursive: true, force: true });
}
