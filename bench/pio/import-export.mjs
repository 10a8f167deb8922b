#!/usr/bin/env node
// `pio import` / `pio export` throughput on this machine:
//   1. decoding alone: the event model on N import lines, in process (no database),
//   2. `bin/pio import` of N events (child process, wall clock including startup),
//   3. a bare COPY of the same rows (pre-encoded in the benchmark process) into an identical table,
//   4. `bin/pio export` of the imported events,
//   5. `bin/pio version` startup time (median of 5).
// Usage (after `npm run build`):  node bench/pio/import-export.mjs [--events N]
// Starts its own embedded PostgreSQL in a temp dir (or uses BENCH_DATABASE_URL) and prints a table.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startBenchPostgres } from '../eventserver/lib/postgres.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PIO = join(ROOT, 'bin/pio');
const run = promisify(execFile);
const eventsArg = process.argv.indexOf('--events');
const N = eventsArg > 0 ? Number(process.argv[eventsArg + 1]) : 200_000;
const log = (line) => process.stderr.write(`bench: ${line}\n`);
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

const { decodeEventJson } = await import(pathToFileURL(join(ROOT, 'dist/native/events/index.js')).href);

function line(i) {
  return JSON.stringify({
    event: i % 10 === 0 ? '$set' : 'rate',
    entityType: 'user',
    entityId: `u${i}`,
    ...(i % 10 === 0 ? {} : { targetEntityType: 'item', targetEntityId: `i${i % 1000}` }),
    properties: i % 10 === 0 ? { age: i % 90, plan: 'basic' } : { rating: (i % 5) + 1 },
    eventTime: `2020-01-01T00:${String(i % 60).padStart(2, '0')}:${String(i % 59).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z`,
  });
}

const external = process.env.BENCH_DATABASE_URL;
const postgres = external ? { url: external, stop: async () => {} } : await startBenchPostgres();
const work = await mkdtemp(join(tmpdir(), 'pio-bench-import-'));
const url = new URL(postgres.url);
const env = {
  PATH: process.env.PATH,
  HOME: work,
  PIO_HOME: join(work, '.pio'),
  PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
  PIO_STORAGE_SOURCES_PGSQL_URL: `jdbc:postgresql://${url.hostname}:${url.port}${url.pathname}?sslmode=disable`,
  PIO_STORAGE_SOURCES_PGSQL_USERNAME: decodeURIComponent(url.username),
  PIO_STORAGE_SOURCES_PGSQL_PASSWORD: decodeURIComponent(url.password),
};
const pio = (args) => run(PIO, args, { env, maxBuffer: 1 << 26 });
const results = {};
try {
  const lines = Array.from({ length: N }, (_, i) => line(i));
  const input = join(work, 'events.json');
  await writeFile(input, `${lines.join('\n')}\n`);

  log(`decoding ${N} lines in process`);
  let start = process.hrtime.bigint();
  const now = new Date();
  for (const text of lines) decodeEventJson(text, { now });
  results.decode = seconds(start);

  const { stdout } = await pio(['app', 'new', 'BenchImport']);
  const appId = Number(/ID: (\d+)/.exec(stdout)[1]);
  log(`pio import of ${N} events`);
  start = process.hrtime.bigint();
  await pio(['import', '--appid', String(appId), '--input', input]);
  results.import = seconds(start);

  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  const imported = (await client.query(`SELECT count(*)::int AS n FROM pio_event_${appId}`)).rows[0].n;
  if (imported !== N) throw new Error(`pio import stored ${imported} of ${N} rows`);
  await client.query(`CREATE TABLE bench_copy (LIKE pio_event_${appId})`);
  // The exact rows pio import wrote, as COPY text, encoded before the clock starts.
  const copyText = [];
  const { rows } = await client.query(
    `SELECT id, event, entitytype, entityid, targetentitytype, targetentityid, properties, eventtime::text AS eventtime,
            eventtimezone, tags, prid, creationtime::text AS creationtime, creationtimezone FROM pio_event_${appId}`,
  );
  const field = (value) => (value === null ? '\\N' : String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
  let chunk = '';
  for (const row of rows) {
    chunk += `${Object.values(row).map(field).join('\t')}\n`;
    if (chunk.length >= 64 * 1024) {
      copyText.push(chunk);
      chunk = '';
    }
  }
  if (chunk) copyText.push(chunk);
  log('bare COPY of the same rows');
  start = process.hrtime.bigint();
  await client.query('BEGIN');
  await pipeline(Readable.from(copyText), client.query(copyFrom('COPY bench_copy FROM STDIN')));
  await client.query('COMMIT');
  results.copy = seconds(start);
  await client.end();

  log('pio export');
  start = process.hrtime.bigint();
  await pio(['export', '--appid', String(appId), '--output', join(work, 'export')]);
  results.export = seconds(start);

  const startups = [];
  for (let i = 0; i < 5; i++) {
    start = process.hrtime.bigint();
    await pio(['version']);
    startups.push(seconds(start));
  }
  results.version = startups.sort((a, b) => a - b)[2];
} finally {
  await postgres.stop();
  await rm(work, { recursive: true, force: true });
}

const rate = (s) => `${Math.round(N / s).toLocaleString('en-US')} events/s`;
console.log(`pio import/export benchmark: ${N} events, ${cpus().length} CPUs, Node ${process.versions.node}`);
console.log(`  decode only (in process)   ${results.decode.toFixed(2)} s  ${rate(results.decode)}`);
console.log(`  pio import (incl. startup) ${results.import.toFixed(2)} s  ${rate(results.import)}`);
console.log(`  bare COPY, same rows       ${results.copy.toFixed(2)} s  ${rate(results.copy)}`);
console.log(`  pio import / bare COPY     ${(results.copy / results.import).toFixed(2)}  (goal >= 0.6)`);
console.log(`  pio export (incl. startup) ${results.export.toFixed(2)} s  ${rate(results.export)}`);
console.log(`  pio version startup        ${(results.version * 1000).toFixed(0)} ms (median of 5)`);
