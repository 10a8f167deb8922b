#!/usr/bin/env node
// Storage benchmark (H3): embedded PostgreSQL start/reuse, event insert throughput (plain vs group commit),
// bulk import (COPY) and streaming export. Uses dist/ (run `npm run build` first) and a throw-away
// embedded PostgreSQL in a temp PIO_HOME. Usage: node bench/storage/run.mjs [--events 100000] [--seconds 3]
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '../..');
const storageModule = join(root, 'dist/native/storage/index.js');
const { ensureEmbeddedPostgres, stopEmbeddedPostgres, openStorage, resolveStorageSettings } = await import('../../dist/native/storage/index.js');
const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' }, seconds: { type: 'string', default: '3' } } });
const EVENTS = Number(values.events);
const SECONDS = Number(values.seconds);

const home = await mkdtemp(join(tmpdir(), 'pio-bench-storage-'));
const ms = (start) => (performance.now() - start).toFixed(0);
const results = [];
const report = (name, value) => {
  results.push([name, value]);
  console.log(`${name.padEnd(48)} ${value}`);
};

try {
  let t = performance.now();
  await ensureEmbeddedPostgres({ pioHome: home });
  report('embedded: first start (initdb + start)', `${ms(t)} ms`);

  const child = join(home, 'reuse.mjs');
  await writeFile(
    child,
    `const t0 = performance.now(); const m = await import(${JSON.stringify(storageModule)}); const t1 = performance.now();
     await m.ensureEmbeddedPostgres({ pioHome: ${JSON.stringify(home)} });
     console.log(JSON.stringify({ import: t1 - t0, ensure: performance.now() - t1 }));`,
  );
  const runs = Array.from({ length: 5 }, () => JSON.parse(execFileSync(process.execPath, [child], { encoding: 'utf8' })));
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  report('embedded: reuse in a new process (ensure, median of 5)', `${median(runs.map((r) => r.ensure)).toFixed(1)} ms`);
  report('embedded: module import in that process (median)', `${median(runs.map((r) => r.import)).toFixed(1)} ms`);

  await stopEmbeddedPostgres(home);
  t = performance.now();
  await ensureEmbeddedPostgres({ pioHome: home });
  report('embedded: restart of an initialised data dir', `${ms(t)} ms`);

  const storage = await openStorage(resolveStorageSettings({ PIO_HOME: home, PIO_STORAGE_SOURCES_PGSQL_CONNECTIONS: '8' }));
  try {
    const scope = { appId: 1 };
    await storage.events.init(scope);
    const event = (i) => ({ event: 'rate', entityType: 'user', entityId: `u${i % 1000}`, targetEntityType: 'item', targetEntityId: `i${i % 500}`, properties: { rating: i % 5 } });

    const load = async (insert, concurrency) => {
      let done = 0;
      const until = performance.now() + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < until) {
            await insert(event(done));
            done++;
          }
        }),
      );
      return Math.round(done / SECONDS);
    };
    report('insert: plain, 64 concurrent callers', `${await load((e) => storage.events.insert(scope, e), 64)} events/s`);
    const writer = storage.events.createGroupCommitWriter();
    report('insert: group commit, 64 concurrent callers', `${await load((e) => writer.insert(scope, e), 64)} events/s`);
    await writer.close();

    const importScope = { appId: 2 };
    await storage.events.init(importScope);
    async function* source() {
      for (let i = 0; i < EVENTS; i++) yield { ...event(i), eventTime: new Date(Date.UTC(2020, 0, 1) + i * 1000) };
    }
    t = performance.now();
    await storage.events.importStream(importScope, source());
    const importMs = performance.now() - t;
    report(`import: COPY ${EVENTS} events`, `${Math.round(EVENTS / (importMs / 1000))} events/s (${importMs.toFixed(0)} ms)`);

    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    t = performance.now();
    let n = 0;
    for await (const _ of storage.events.stream(importScope)) {
      if (++n % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const streamMs = performance.now() - t;
    report(`export: stream ${n} events`, `${Math.round(n / (streamMs / 1000))} events/s, heap +${((peak - heapBefore) / 1e6).toFixed(1)} MB`);
  } finally {
    await storage.close();
  }
} finally {
  await stopEmbeddedPostgres(home).catch(() => undefined);
  await rm(home, { recursive: true, force: true });
}
