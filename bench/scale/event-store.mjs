#!/usr/bin/env node
// Large event stores (issue 13, Scale). One app in the INDEX=enabled layout (the platform's default, with our
// `_history` index) grows
// to each of the sizes (default 1M, 10M, 50M events); at each size, in the same run:
//   - ingest: the real `pio eventserver` at c=32 into the big app against a fresh empty app, alternating
//     rounds; the goal is within 20% (ratio >= 0.8);
//   - the user-history read: the engines' `findByEntity` (latest 20 events of a user, users drawn by their
//     activity, a Zipf law) one at a time, p50/p99 (goal p99 < 5 ms), with upstream's indexes only (ours
//     dropped) and again with ours, (entityId, entityType, eventTime, id), rebuilt, and both query plans;
//   - streaming: `pio export` of the whole app (peak RSS of the process: constant memory means the same
//     peak at every size).
// Then (`--import N`, default 20M; 0 = skip) `pio import` of N events in one transaction into a fresh app,
// against a bare `COPY … FROM STDIN` of the same rows (converted to COPY text beforehand) into another,
// with PostgreSQL's progress view sampled every second: the ratio of the two rates per tenth of the rows
// (goal >= 0.6 throughout).
// Usage (after `npm run build`): node bench/scale/event-store.mjs [--quick] [--sizes 1000000,10000000] [--import N] [--write]
//   --quick: sizes 100k and 1M, a 1M import; --write: replace the scale-store section of BENCHMARKS.md.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { timeCommand } from '../lib/time-command.mjs';
import { zipf } from '../lib/zipf.mjs';
import { rawHttpLoad } from '../lib/load.mjs';
import { machineSummary, markdownTable, median, writeBenchmarkSection } from '../lib/report.mjs';
import { freePort, startBenchPostgres } from '../eventserver/lib/postgres.mjs';
import { sleep, spawnNode, stopChild, waitFor } from '../eventserver/lib/process.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const PIO = join(ROOT, 'bin/pio');
const { openStorage, resolveStorageSettings, CopyRowWriter, writeImportRow, seededZipf } = await loadModules();
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    import: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});
const SIZES = (values.sizes ?? (values.quick ? '100000,1000000' : '1000000,10000000,50000000')).split(',').map(Number);
const IMPORT_EVENTS = Number(values.import ?? (values.quick ? 1_000_000 : 20_000_000));
const USERS = 2_000_000;
const ITEMS = 200_000;
const READS = 2_000;
const INGEST = { warmup: 2_000, requests: 20_000, rounds: 3 };
const NOT_50M =
  'The 50M-event size (the default of the script, the goal\'s size) is not in this run: growing the table to 50M events ' +
  'takes more than half an hour here.';
const WHY_INGEST_FALLS =
  'The ingest ratio falls with the table\'s size because each insert updates the two entityId-keyed indexes (upstream\'s ' +
  'and our history index) at a random page (the time-ordered event ids keep the primary key appending); with ' +
  'PostgreSQL\'s default 128 MB of shared buffers, a multi-GB table\'s indexes do not stay in them.';
const HISTORY_INDEX = (table) => `CREATE INDEX IF NOT EXISTS idx_${table}_history ON ${table} (entityId, entityType, eventTime, id)`;

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const secondsSince = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const fmt = (n) => n.toLocaleString('en-US');

async function loadModules() {
  const storage = await import('../../dist/native/storage/index.js');
  const { seededRandom } = await import('../../dist/native/engine/index.js');
  /** A seeded sampler of 0..n-1 with P(k) ∝ 1/(k+1)^s. */
  const seededZipf = (n, s, seed) => zipf(n, s, seededRandom(seed));
  return { ...storage, seededZipf };
}

/** Shop events `from`…`to - 1`: users by activity (Zipf 0.8), items Zipf 1.0, times over 2020, a rating on one in five. */
function* shopEvents(from, to, seed) {
  const user = seededZipf(USERS, 0.8, seed);
  const item = seededZipf(ITEMS, 1.0, seed + 1);
  const base = Date.UTC(2020, 0, 1);
  for (let i = from; i < to; i++) {
    yield {
      event: i % 5 === 0 ? 'rate' : 'view',
      entityType: 'user',
      entityId: `u${user()}`,
      targetEntityType: 'item',
      targetEntityId: `i${item()}`,
      properties: i % 5 === 0 ? { rating: (i % 9) / 2 + 1 } : {},
      eventTime: new Date(base + Math.floor(i * 613.7) % (366 * 86_400_000)),
    };
  }
}

/** Binary COPY rows of the events, a chunk at a time (what `pio import` hands to storage). */
function* copyRows(events) {
  const writer = new CopyRowWriter();
  let n = 0;
  for (const event of events) {
    writeImportRow(writer, event);
    if (++n % 20_000 === 0) yield* writer.take();
  }
  yield* writer.take();
}

/** `pio import`'s JSON lines of the events, to a file. */
async function writeJsonLines(path, events) {
  const out = createWriteStream(path);
  for (const e of events) {
    const line = `${JSON.stringify({ ...e, eventTime: e.eventTime.toISOString() })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The same rows as COPY text, as anyone would convert them beforehand (the bare side of the import race). */
async function writeCopyText(path, events) {
  const out = createWriteStream(path);
  const field = (v) => (v == null ? '\\N' : String(v).replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]));
  const wall = (d) => d.toISOString().replace('T', ' ').replace('Z', '');
  const now = wall(new Date());
  let n = 0;
  for (const e of events) {
    const properties = Object.keys(e.properties).length > 0 ? JSON.stringify(e.properties) : null;
    const id = `${(n++).toString(16).padStart(12, '0')}${'0'.repeat(20)}`;
    const row = [id, e.event, e.entityType, e.entityId, e.targetEntityType, e.targetEntityId, properties, wall(e.eventTime), 'UTC', null, null, now, 'UTC'];
    if (!out.write(`${row.map(field).join('\t')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Samples `pg_stat_progress_copy` of the running COPY into `table` every second: [seconds, rows] pairs. */
function sampleCopyProgress(admin, table) {
  const samples = [];
  let stopped = false;
  const started = process.hrtime.bigint();
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await admin.query(
        'SELECT tuples_processed::bigint AS n FROM pg_stat_progress_copy WHERE relid = to_regclass($1)',
        [table],
      );
      if (rows[0]) samples.push([secondsSince(started), Number(rows[0].n)]);
      await sleep(1000);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** Rows per second over each tenth of `total` rows, from progress samples. */
function ratesByTenth(samples, total) {
  const rates = [];
  let previous = [0, 0];
  for (let tenth = 1; tenth <= 10; tenth++) {
    const goal = (total * tenth) / 10;
    const at = samples.find(([, rows]) => rows >= goal) ?? samples.at(-1);
    if (!at || at[0] <= previous[0]) continue;
    rates.push((at[1] - previous[1]) / (at[0] - previous[0]));
    previous = at;
  }
  return rates;
}

async function main() {
  const postgres = await startBenchPostgres();
  const work = await mkdtemp(join(tmpdir(), 'pio-bench-store-'));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: work,
    PIO_HOME: join(work, 'pio-home'),
    DATABASE_URL: postgres.url,
    PIO_POSTGRES_OPTIONAL_SSL: 'true',
    PIO_STORAGE_SOURCES_PGSQL_INDEX: 'enabled',
    PIO_LOG_LEVEL: 'warn',
  };
  const storage = await openStorage(resolveStorageSettings(env));
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  const children = [];
  /** @type {{ sizes: any[], import: any }} */
  const results = { sizes: [], import: undefined };
  try {
    const newApp = async (name) => {
      const appId = await storage.apps.insert({ name });
      await storage.events.init({ appId });
      const key = await storage.accessKeys.insert({ appId });
      return { name, appId, key, table: storage.events.tableName({ appId }) };
    };
    const big = await newApp('big');
    const { createEventStore } = await import('../../dist/native/workflow/event-store.js');
    const engineStore = createEventStore(storage);
    let stored = 0;
    for (const size of SIZES) {
      log(`growing the app to ${fmt(size)} events`);
      const grown = process.hrtime.bigint();
      await storage.events.importRows({ appId: big.appId }, copyRows(shopEvents(stored, size, 11 + stored)));
      const growSeconds = secondsSince(grown);
      const added = size - stored;
      stored = size;
      await admin.query(`ANALYZE ${big.table}`);
      const tableMb = Number((await admin.query('SELECT pg_total_relation_size($1) AS b', [big.table])).rows[0].b) / 2 ** 20;

      log(`${fmt(size)}: user-history reads`);
      const reads = async () => {
        const user = seededZipf(USERS, 0.8, 99);
        const durations = [];
        for (let i = 0; i < READS; i++) {
          const started = process.hrtime.bigint();
          await engineStore.findByEntity({ appName: 'big', entityType: 'user', entityId: `u${user()}`, limit: 20, latest: true });
          durations.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        durations.sort((a, b) => a - b);
        return { p50: durations[Math.floor(READS * 0.5)], p99: durations[Math.floor(READS * 0.99)] };
      };
      const plan = async () =>
        (await admin.query(`EXPLAIN SELECT * FROM ${big.table} WHERE entitytype = 'user' AND entityid = 'u0' ORDER BY eventtime DESC, id DESC LIMIT 20`)).rows
          .map((row) => row['QUERY PLAN'])
          .filter((line) => /Scan|Sort|Limit/.test(line))
          .map((line) => line.trim().replace(/\s+\(cost.*$/, ''))
          .join(' / ');
      // Upstream's indexes alone (ours dropped for the measurement), then ours rebuilt.
      await admin.query(`DROP INDEX IF EXISTS idx_${big.table}_history`);
      await reads(); // warm the cache as a serving dyno's would be
      const upstream = { ...(await reads()), plan: await plan() };
      const indexed = process.hrtime.bigint();
      await admin.query(HISTORY_INDEX(big.table));
      const indexSeconds = secondsSince(indexed);
      await admin.query(`ANALYZE ${big.table}`);
      await reads();
      const withHistoryIndex = { ...(await reads()), plan: await plan() };

      log(`${fmt(size)}: ingest, big app against an empty one`);
      const empty = await newApp(`empty${size}`);
      const port = await freePort();
      const server = spawnNode([PIO, 'eventserver', '--ip', '127.0.0.1', '--port', String(port)], env);
      children.push(server);
      await waitFor(`http://127.0.0.1:${port}/`);
      const body = (i) => JSON.stringify({ event: 'view', entityType: 'user', entityId: `u${i % USERS}`, targetEntityType: 'item', targetEntityId: `i${i % ITEMS}` });
      const load = (app, total) => rawHttpLoad({ url: `http://127.0.0.1:${port}/events.json?accessKey=${app.key}`, concurrency: 32, total, bodyFor: body });
      await load(big, INGEST.warmup);
      await load(empty, INGEST.warmup);
      /** @type {number[]} */
      const ratios = [];
      /** @type {{ big: number[], empty: number[] }} */
      const rates = { big: [], empty: [] };
      for (let round = 0; round < INGEST.rounds; round++) {
        const order = round % 2 === 0 ? [big, empty] : [empty, big];
        /** @type {Record<string, number>} */
        const measured = {};
        for (const app of order) measured[app === big ? 'big' : 'empty'] = (await load(app, INGEST.requests)).perSecond;
        rates.big.push(measured.big);
        rates.empty.push(measured.empty);
        ratios.push(measured.big / measured.empty);
      }
      await stopChild(server);
      stored += INGEST.warmup + INGEST.rounds * INGEST.requests;

      log(`${fmt(size)}: pio export`);
      const exported = await timeCommand(process.execPath, [PIO, 'export', '--appid', String(big.appId), '--output', join(work, `export-${size}`)], env);
      await rm(join(work, `export-${size}`), { recursive: true, force: true });

      results.sizes.push({
        size,
        added,
        growSeconds,
        tableMb,
        indexSeconds,
        upstream,
        withHistoryIndex,
        ingest: { big: median(rates.big), empty: median(rates.empty), ratio: median(ratios), ratios },
        exportSeconds: exported.wall,
        exportRssMb: exported.rssMb,
        exportedEvents: stored,
      });
      log(JSON.stringify(results.sizes.at(-1)));
    }

    if (IMPORT_EVENTS > 0) {
      log(`pio import of ${fmt(IMPORT_EVENTS)} events against a bare COPY: writing the inputs`);
      const jsonFile = join(work, 'import.json');
      const copyFile = join(work, 'import.copy');
      await writeJsonLines(jsonFile, shopEvents(0, IMPORT_EVENTS, 5));
      await writeCopyText(copyFile, shopEvents(0, IMPORT_EVENTS, 5));
      const viaPio = await newApp('import-pio');
      const bare = await newApp('import-bare');
      log('pio import');
      let progress = sampleCopyProgress(admin, viaPio.table);
      const pioRun = await timeCommand(process.execPath, [PIO, 'import', '--appid', String(viaPio.appId), '--input', jsonFile], env);
      const pioSamples = await progress.stop();
      log('bare COPY');
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      progress = sampleCopyProgress(admin, bare.table);
      const copyStarted = process.hrtime.bigint();
      await client.query('BEGIN');
      await pipeline(createReadStream(copyFile), client.query(copyStreams.from(`COPY ${bare.table} FROM STDIN`)));
      await client.query('COMMIT');
      const copySeconds = secondsSince(copyStarted);
      const copySamples = await progress.stop();
      await client.end();
      await rm(jsonFile, { force: true });
      await rm(copyFile, { force: true });
      const pioRates = ratesByTenth(pioSamples, IMPORT_EVENTS);
      const copyRates = ratesByTenth(copySamples, IMPORT_EVENTS);
      const tenths = pioRates.map((rate, i) => rate / (copyRates[i] ?? Number.NaN)).filter(Number.isFinite);
      results.import = { events: IMPORT_EVENTS, pioSeconds: pioRun.wall, pioRssMb: pioRun.rssMb, copySeconds, tenths, pioRates, copyRates };
      log(JSON.stringify(results.import));
    }
  } finally {
    for (const child of children) await stopChild(child).catch(() => undefined);
    await admin.end();
    await storage.close();
    await postgres.stop();
    await rm(work, { recursive: true, force: true });
  }
  return results;
}

function report(r) {
  const ms = (n) => `${n.toFixed(2)} ms`;
  const check = (ok) => (ok ? 'met' : 'MISSED');
  const rows = [['Measurement', ...r.sizes.map((s) => `${fmt(s.size)} events`), 'Goal']];
  rows.push(['Table with indexes (MB)', ...r.sizes.map((s) => s.tableMb.toFixed(0)), '']);
  rows.push(['Growing to the size: rows/s of the added rows (one COPY transaction)', ...r.sizes.map((s) => fmt(Math.round(s.added / s.growSeconds))), '']);
  rows.push(['Ingest, big app: events/s (median of rounds)', ...r.sizes.map((s) => fmt(Math.round(s.ingest.big))), '']);
  rows.push(['Ingest, empty app: events/s', ...r.sizes.map((s) => fmt(Math.round(s.ingest.empty))), '']);
  rows.push(['Ingest big / empty (median of rounds)', ...r.sizes.map((s) => `${s.ingest.ratio.toFixed(2)} ${check(s.ingest.ratio >= 0.8)}`), '>= 0.80']);
  rows.push(['findByEntity latest 20, upstream indexes: p50 / p99', ...r.sizes.map((s) => `${ms(s.upstream.p50)} / ${ms(s.upstream.p99)} ${check(s.upstream.p99 < 5)}`), 'p99 < 5 ms']);
  rows.push(['findByEntity latest 20, with our history index: p50 / p99', ...r.sizes.map((s) => `${ms(s.withHistoryIndex.p50)} / ${ms(s.withHistoryIndex.p99)} ${check(s.withHistoryIndex.p99 < 5)}`), 'p99 < 5 ms']);
  rows.push(['Building our history index on the table', ...r.sizes.map((s) => `${s.indexSeconds.toFixed(1)} s`), '']);
  rows.push(['pio export of the whole app: time, peak RSS', ...r.sizes.map((s) => `${s.exportSeconds.toFixed(1)} s, ${s.exportRssMb.toFixed(0)} MB`), 'same RSS at every size']);
  const lines = [markdownTable(rows), ''];
  lines.push('Query plans of the read (latest 20 events of one user):', '');
  for (const s of r.sizes) {
    lines.push(`- ${fmt(s.size)}, upstream indexes: ${s.upstream.plan}`);
    lines.push(`- ${fmt(s.size)}, with the history index: ${s.withHistoryIndex.plan}`);
  }
  if (r.import) {
    const i = r.import;
    const worst = Math.min(...i.tenths);
    lines.push(
      '',
      markdownTable([
        ['Import of one file in one transaction', 'Result', 'Goal', ''],
        [`pio import, ${fmt(i.events)} events (whole command)`, `${i.pioSeconds.toFixed(1)} s (${fmt(Math.round(i.events / i.pioSeconds))} events/s), peak RSS ${i.pioRssMb.toFixed(0)} MB`, '', ''],
        [`Bare COPY of the same rows (COPY text prepared beforehand)`, `${i.copySeconds.toFixed(1)} s (${fmt(Math.round(i.events / i.copySeconds))} rows/s)`, '', ''],
        ['pio import / bare COPY, per tenth of the rows', i.tenths.map((t) => t.toFixed(2)).join(', '), '>= 0.6 each', check(worst >= 0.6)],
      ]),
    );
  }
  return lines.join('\n');
}

const results = await main();
const text = report(results);
process.stdout.write(`${text}\n`);
if (values.write) {
  await writeBenchmarkSection(ROOT, 'scale-store', [
    '### Large event stores',
    '',
    `\`node bench/scale/event-store.mjs${values.sizes ? ` --sizes ${values.sizes}` : ''}\` on ${new Date().toISOString().slice(0, 10)}: one app in the INDEX=enabled layout grown to each size with`,
    'binary COPY (users by activity, Zipf 0.8 over 2M users; items Zipf 1.0 over 200k), measured at each size in the same run:',
    `ingest through the real \`pio eventserver\` at c=32 into it and into an empty app (${INGEST.rounds} alternating rounds of ${fmt(INGEST.requests)}),`,
    `the engines' \`findByEntity\` (latest 20 events of a user drawn by activity) ${fmt(READS)} times one at a time after a warm-up pass,`,
    "with upstream's indexes only, then with our `_history` index (entityId, entityType, eventTime, id) rebuilt, and `pio export` of the whole app.",
    '',
    text,
    '',
    WHY_INGEST_FALLS,
    '',
    ...(SIZES.includes(50_000_000) ? [] : [NOT_50M, '']),
    `Machine: ${machineSummary()}, load average ${loadavg()[0].toFixed(1)} at the end.`,
  ]);
  log('updated BENCHMARKS.md');
}
