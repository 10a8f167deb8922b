#!/usr/bin/env node
// `pio import` / `pio export` throughput on this machine, and `pio import` against a bare COPY:
//   - bare COPY: the same N events (one JSON-lines file) converted to COPY text format by a
//     straightforward script before the clock starts, then streamed from that file by a `pg` client with
//     `COPY … FROM STDIN` into an identical event table (created by `pio app new`, primary key included),
//     timed from the start of the COPY to its commit;
//   - pio import: `bin/pio import` of the JSON-lines file, wall time of the whole command including
//     process start, and the in-process import time the command itself reports;
//   - rounds alternate import and COPY (fresh tables each time) and report medians, because the
//     machine may be shared; CPU seconds of the pio process and of PostgreSQL are shown too;
//   - pio export of the imported events (wall time, CPU and peak RSS) and `pio version` startup.
// Usage (after `npm run build`):  node bench/pio/import-export.mjs [--events N] [--rounds R]
// Starts its own embedded PostgreSQL in a temp dir (or uses BENCH_DATABASE_URL) and prints a table.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { treeCpuMs } from '../eventserver/lib/cpu.mjs';
import { startBenchPostgres } from '../eventserver/lib/postgres.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PIO = join(ROOT, 'bin/pio');
const run = promisify(execFile);
const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' } } });
const N = Number(values.events);
const ROUNDS = Number(values.rounds);
const log = (line) => process.stderr.write(`bench: ${line}\n`);
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

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

/** The straightforward conversion of an import file to COPY text, as anyone would script it. */
async function convertToCopyText(input, output) {
  const field = (value) => (value == null ? '\\N' : String(value).replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]));
  const wallClock = (date) => date.toISOString().replace('T', ' ').replace('Z', '');
  const now = wallClock(new Date());
  const out = createWriteStream(output);
  for (const text of (await readFile(input, 'utf8')).split('\n')) {
    if (text === '') continue;
    const e = JSON.parse(text);
    const properties = e.properties && Object.keys(e.properties).length > 0 ? JSON.stringify(e.properties) : null;
    const row = [randomUUID().replaceAll('-', ''), e.event, e.entityType, e.entityId, e.targetEntityType, e.targetEntityId, properties,
      wallClock(new Date(e.eventTime)), 'UTC', null, e.prId, now, 'UTC'];
    if (!out.write(`${row.map(field).join('\t')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

/** Runs a command under GNU time: wall seconds, CPU seconds (user + sys) and peak RSS in MB. */
async function timed(command, args, env) {
  const start = process.hrtime.bigint();
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'TIME %U %S %M', command, ...args], { env, maxBuffer: 1 << 26 });
  const wall = seconds(start);
  const [, user, sys, rssKb] = /TIME (\S+) (\S+) (\d+)/.exec(stderr);
  return { wall, cpu: Number(user) + Number(sys), rssMb: Number(rssKb) / 1024, stdout };
}

const external = process.env.BENCH_DATABASE_URL;
const postgres = external ? { url: external, stop: async () => {} } : await startBenchPostgres();
const work = await mkdtemp(join(tmpdir(), 'pio-bench-import-'));
const env = { PATH: process.env.PATH, HOME: work, PIO_HOME: join(work, '.pio'), DATABASE_URL: postgres.url, PIO_POSTGRES_OPTIONAL_SSL: 'true' };
const pgCpu = async () => (postgres.pid ? (await treeCpuMs(postgres.pid)) / 1000 : Number.NaN);
const results = { imports: [], copies: [] };
const loads = [load()];
try {
  const lines = Array.from({ length: N }, (_, i) => line(i));
  const input = join(work, 'events.json');
  await writeFile(input, `${lines.join('\n')}\n`);
  const copyFile = join(work, 'events.copy');
  await convertToCopyText(input, copyFile);

  log(`decoding ${N} lines in process`);
  let start = process.hrtime.bigint();
  const now = new Date();
  for (const text of lines) decodeEventJson(text, { now });
  results.decode = seconds(start);

  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  const newApp = async (name) => {
    const { stdout } = await run(PIO, ['app', 'new', name], { env });
    return Number(/ID: (\d+)/.exec(stdout)[1]);
  };
  let lastAppId;
  for (let round = 1; round <= ROUNDS; round++) {
    const appId = await newApp(`BenchImport${round}`);
    log(`round ${round}: pio import of ${N} events (load ${load()})`);
    let pgBefore = await pgCpu();
    const imported = await timed(PIO, ['import', '--appid', String(appId), '--input', input], env);
    const inProcess = Number(/Imported \d+ event\(s\) in ([\d.]+) s/.exec(imported.stdout)?.[1]);
    results.imports.push({ ...imported, inProcess, pgCpu: (await pgCpu()) - pgBefore });
    const count = (await client.query(`SELECT count(*)::int AS n FROM pio_event_${appId}`)).rows[0].n;
    if (count !== N) throw new Error(`pio import stored ${count} of ${N} rows`);
    lastAppId = appId;

    const copyAppId = await newApp(`BenchCopy${round}`);
    log(`round ${round}: bare COPY of the same rows (load ${load()})`);
    pgBefore = await pgCpu();
    start = process.hrtime.bigint();
    await client.query('BEGIN');
    await pipeline(createReadStream(copyFile, { highWaterMark: 1 << 20 }), client.query(copyFrom(`COPY pio_event_${copyAppId} FROM STDIN`)));
    await client.query('COMMIT');
    results.copies.push({ wall: seconds(start), pgCpu: (await pgCpu()) - pgBefore });
    loads.push(load());
  }
  await client.end();

  log('pio export');
  results.export = await timed(PIO, ['export', '--appid', String(lastAppId), '--output', join(work, 'export')], env);
  const exported = (await readFile(join(work, 'export', 'part-00000'), 'utf8')).split('\n').length - 1;
  if (exported !== N) throw new Error(`pio export wrote ${exported} of ${N} events`);

  const startups = [];
  for (let i = 0; i < 5; i++) {
    start = process.hrtime.bigint();
    await run(PIO, ['version'], { env });
    startups.push(seconds(start));
  }
  results.version = median(startups);
} finally {
  await postgres.stop();
  await rm(work, { recursive: true, force: true });
}

const rate = (s) => `${Math.round(N / s).toLocaleString('en-US')} events/s`;
const imp = (key) => median(results.imports.map((r) => r[key]));
const copy = median(results.copies.map((r) => r.wall));
const f = (x) => x.toFixed(2);
console.log(`pio import/export benchmark: ${N} events, ${ROUNDS} rounds (medians), ${cpus().length} CPUs, Node ${process.versions.node}`);
console.log(`  load average (1/5/15 min) during the rounds: ${loads.join(' | ')}`);
console.log(`  decode only (in process)       ${f(results.decode)} s  ${rate(results.decode)}`);
console.log(`  pio import, whole command      ${f(imp('wall'))} s  ${rate(imp('wall'))}  (pio CPU ${f(imp('cpu'))} s, PostgreSQL CPU ${f(imp('pgCpu'))} s, peak RSS ${imp('rssMb').toFixed(0)} MB)`);
console.log(`  pio import, in process         ${f(imp('inProcess'))} s  ${rate(imp('inProcess'))}`);
console.log(`  bare COPY, same rows           ${f(copy)} s  ${rate(copy)}  (PostgreSQL CPU ${f(median(results.copies.map((r) => r.pgCpu)))} s)`);
console.log(`  per round, import / COPY s     ${results.imports.map((r, i) => `${f(r.wall)}/${f(results.copies[i].wall)}`).join('  ')}`);
console.log(`  bare COPY / pio import (whole) ${f(copy / imp('wall'))}  (goal >= 0.6)`);
console.log(`  bare COPY / pio import (in-process) ${f(copy / imp('inProcess'))}`);
console.log(`  pio export, whole command      ${f(results.export.wall)} s  ${rate(results.export.wall)}  (CPU ${f(results.export.cpu)} s, peak RSS ${results.export.rssMb.toFixed(0)} MB)`);
console.log(`  pio version startup            ${(results.version * 1000).toFixed(0)} ms (median of 5)`);
