#!/usr/bin/env node
// `pio import` / `pio export` throughput on this machine, and `pio import` against a bare COPY:
//   - pio import against a bare COPY of the same rows, as bench/lib/import-vs-copy.mjs defines it (the
//     JSON-lines file converted to COPY text before the clock starts, streamed by a `pg` client into a
//     table made by `pio app new`; pio import timed as the whole command and in process), in rounds that
//     alternate import and COPY, reported as medians; CPU seconds of the pio process and of PostgreSQL too;
//   - pio export of the imported events (wall time, CPU and peak RSS) and `pio version` startup.
// Usage (after `npm run build`):  node bench/pio/import-export.mjs [--events N] [--rounds R]
// Starts its own embedded PostgreSQL in a temp dir (or uses BENCH_DATABASE_URL) and prints a table.
import { median } from '../lib/report.mjs';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { startBenchPostgres } from '../eventserver/lib/postgres.mjs';
import { convertToCopyText, importVsCopyRounds, writeImportFile } from '../lib/import-vs-copy.mjs';
import { timeCommand as timed } from '../lib/time-command.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PIO = join(ROOT, 'bin/pio');
const run = promisify(execFile);
const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' } } });
const N = Number(values.events);
const ROUNDS = Number(values.rounds);
const log = (line) => process.stderr.write(`bench: ${line}\n`);
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

const { decodeEventJson } = await import('../../dist/native/events/index.js');

const external = process.env.BENCH_DATABASE_URL;
const postgres = external ? { url: external, stop: async () => {} } : await startBenchPostgres();
const work = await mkdtemp(join(tmpdir(), 'pio-bench-import-'));
const env = { PATH: process.env.PATH, HOME: work, PIO_HOME: join(work, '.pio'), DATABASE_URL: postgres.url, PIO_POSTGRES_OPTIONAL_SSL: 'true' };
const results = {};
const loads = [load()];
try {
  const input = join(work, 'events.json');
  const lines = await writeImportFile(input, N);
  const copyFile = join(work, 'events.copy');
  await convertToCopyText(input, copyFile);

  log(`decoding ${N} lines in process`);
  let start = process.hrtime.bigint();
  const now = new Date();
  for (const text of lines) decodeEventJson(text, { now });
  results.decode = seconds(start);

  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  const { imports, copies, lastImportAppId } = await importVsCopyRounds({
    pio: PIO,
    env,
    client,
    input,
    copyFile,
    count: N,
    rounds: ROUNDS,
    postgresPid: postgres.pid,
    log: (line) => log(`${line} (load ${load()})`),
    afterRound: () => loads.push(load()),
  });
  Object.assign(results, { imports, copies });
  await client.end();

  log('pio export');
  results.export = await timed(PIO, ['export', '--appid', String(lastImportAppId), '--output', join(work, 'export')], env);
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
