#!/usr/bin/env node
// Observability overhead: the Event Server's single-event POST /events.json throughput at concurrency 32
// with metrics off (PIO_METRICS=false, no hook at all) against metrics on (the default: request
// counters and latency histogram, group-commit and access-key counters), in alternating rounds on one
// PostgreSQL, so drift on a shared machine hits both alike. Tracing is off in both (no OTEL_*
// variables): then nothing is wrapped, which the metrics-off server also shows as the baseline.
// Usage (after `npm run build`):  node bench/observability/run.mjs [--quick] [--no-write]
// Without --no-write (and without --quick) it replaces the observability section of BENCHMARKS.md.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawHttpLoad } from '../lib/load.mjs';
import { machineSummary, markdownTable, median, writeBenchmarkSection } from '../lib/report.mjs';
import { freePort, startBenchPostgres } from '../eventserver/lib/postgres.mjs';
import { sleep, spawnNode, stopChild, waitFor } from '../eventserver/lib/process.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PIO = join(ROOT, 'bin/pio');
const CONCURRENCY = 32;

const argv = new Set(process.argv.slice(2));
const quick = argv.has('--quick');
const write = !argv.has('--no-write') && !quick;
const config = quick ? { requests: 5_000, warmup: 1_000, rounds: 3 } : { requests: 20_000, warmup: 3_000, rounds: 7 };

if (!existsSync(join(ROOT, 'dist/native/pio/main.js'))) {
  console.error('dist/ is missing: run `npm run build` first.');
  process.exit(1);
}
const { openStorage, resolveStorageSettings } = await import('../../dist/native/storage/index.js');

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const body = (i) => JSON.stringify({ event: 'rate', entityType: 'user', entityId: `u${i}`, targetEntityType: 'item', targetEntityId: `i${i % 1000}`, properties: { rating: (i % 5) + 1 } });

async function main() {
  const postgres = await startBenchPostgres();
  const pioHome = await mkdtemp(join(tmpdir(), 'pio-bench-obs-'));
  const env = { ...process.env, DATABASE_URL: postgres.url, PIO_POSTGRES_OPTIONAL_SSL: 'true', PIO_HOME: pioHome, PIO_LOG_LEVEL: 'warn' };
  for (const name of Object.keys(env)) if (name.startsWith('OTEL_')) delete env[name];
  const storage = await openStorage(resolveStorageSettings(env));
  const children = [];
  try {
    const appId = await storage.apps.insert({ name: 'bench-observability' });
    await storage.events.init({ appId });
    const key = await storage.accessKeys.insert({ appId });
    const start = async (metrics) => {
      const port = await freePort();
      const child = spawnNode([PIO, 'eventserver', '--ip', '127.0.0.1', '--port', String(port)], { ...env, PIO_METRICS: metrics });
      children.push(child);
      await waitFor(`http://127.0.0.1:${port}/`);
      return `http://127.0.0.1:${port}/events.json?accessKey=${key}`;
    };
    const servers = { off: await start('false'), on: await start('true') };
    await sleep(1000);
    let offset = 0;
    const load = (url, total) => {
      const base = offset;
      offset += total;
      return rawHttpLoad({ url, concurrency: CONCURRENCY, total, bodyFor: (i) => body(base + i) });
    };
    for (const url of Object.values(servers)) await load(url, config.warmup);
    const rounds = [];
    for (let round = 0; round < config.rounds; round++) {
      // Alternate which goes first, so neither always runs on a warmer PostgreSQL.
      const order = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      const result = {};
      for (const which of order) result[which] = await load(servers[which], config.requests);
      rounds.push(result);
      log(`round ${round + 1}: off ${result.off.perSecond.toFixed(0)}/s, on ${result.on.perSecond.toFixed(0)}/s`);
    }
    const ratios = rounds.map((round) => round.on.perSecond / round.off.perSecond);
    const off = median(rounds.map((round) => round.off.perSecond));
    const on = median(rounds.map((round) => round.on.perSecond));
    const ratio = median(ratios);
    const rows = [
      ['Measurement', 'Result', 'Goal', ''],
      ['Event Server, POST /events.json, c=32, PIO_METRICS=false (median of rounds)', `${off.toFixed(0)} events/s`, '', ''],
      ['Event Server, same, metrics on (the default)', `${on.toFixed(0)} events/s`, '', ''],
      [
        'Metrics on / off (median of rounds)',
        `${ratio.toFixed(3)} (rounds: ${ratios.map((value) => value.toFixed(2)).join(', ')})`,
        '>= 0.95',
        ratio >= 0.95 ? 'met' : 'NOT met',
      ],
    ];
    const table = markdownTable(rows);
    console.log(table);
    if (write) {
      await writeBenchmarkSection(ROOT, 'observability', [
        '## Observability overhead',
        '',
        `Measured with \`node bench/observability/run.mjs\` (${config.rounds} alternating rounds of ${config.requests} events per server); ${machineSummary()}.`,
        'Tracing is off in both (no `OTEL_*` variables), which wraps nothing: the metrics-off server is that baseline.',
        '',
        table,
      ]);
    }
  } finally {
    for (const child of children) await stopChild(child);
    await storage.close();
    await postgres.stop();
    await rm(pioHome, { recursive: true, force: true });
  }
}

await main();
