#!/usr/bin/env node
// The recommendation template's ALS at scale (issue 13, Scale): training time, peak RSS and held-out
// RMSE on synthetic low-rank ratings (MovieLens-like shape: a user per 150 ratings, an item per 750),
// rank 10, 10 iterations, on one thread (`trainAls`) and on worker threads (`trainAlsParallel`). Each
// configuration runs in its own process, so its peak RSS is its own.
// Usage: node bench/columnar/als.mjs [--quick] [--ratings 1000000,20000000] [--workers 1,2] [--write]
//   --quick: 1,000,000 ratings only (the goals: < 8 s and < 250 MB; 2 workers ≥ 1.6 × faster than 1);
//   --write: replace the scale-als section of BENCHMARKS.md (after the Scale section of run.mjs).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { growthExponent, machineSummary, markdownTable, writeBenchmarkSection } from '../lib/report.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    ratings: { type: 'string' },
    workers: { type: 'string', default: '1,2' },
    child: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});

if (values.child) {
  const [modulePath, n, workers] = values.child.split('|');
  const { trainAls, trainAlsParallel, predictRating } = await import(modulePath);
  console.log(JSON.stringify(await trainOnce(trainAls, trainAlsParallel, predictRating, Number(n), Number(workers))));
} else {
  const dir = await mkdtemp(join(tmpdir(), 'pio-bench-als-'));
  try {
    const entry = join(dir, 'entry.ts');
    const src = join(ROOT, 'templates/engines/recommendation/src');
    await writeFile(
      entry,
      `export { trainAls, predictRating } from ${JSON.stringify(join(src, 'als.ts'))};\n` +
        `export { trainAlsParallel } from ${JSON.stringify(join(src, 'als-parallel.ts'))};\n`,
    );
    const outfile = join(dir, 'als.mjs');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'silent' });
    const sizes = (values.ratings ?? (values.quick ? '1000000' : '1000000,20000000')).split(',').map(Number);
    const rows = [['Ratings', 'Threads', 'Train', 'Peak RSS', 'Held-out RMSE', 'Speed-up']];
    /** @type {Map<number, Array<[number, number]>>} training seconds by thread count, for the growth exponent */
    const byThreads = new Map();
    for (const n of sizes) {
      let single;
      for (const workers of values.workers.split(',').map(Number)) {
        const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', `${pathToFileURL(outfile).href}|${n}|${workers}`], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        });
        const result = JSON.parse(out);
        single ??= result.ms;
        byThreads.set(workers, [...(byThreads.get(workers) ?? []), [n, result.ms / 1000]]);
        rows.push([
          n.toLocaleString('en-US'),
          String(workers),
          `${(result.ms / 1000).toFixed(2)} s`,
          `${(result.maxRss / 2 ** 20).toFixed(0)} MB`,
          result.rmse.toFixed(4),
          (single / result.ms).toFixed(2),
        ]);
        console.error(`bench: ${n} ratings, ${workers} thread(s): ${(result.ms / 1000).toFixed(2)} s`);
      }
    }
    const table = markdownTable(rows);
    const exponents =
      sizes.length > 1
        ? `Growth exponent of training time (log-log slope over ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')} ratings): ` +
          [...byThreads].map(([threads, points]) => `${growthExponent(points).toFixed(2)} on ${threads} thread${threads === 1 ? '' : 's'}`).join(', ') +
          '.'
        : '';
    console.log(`${table}\n${exponents}`);
    if (values.write) {
      await writeBenchmarkSection(ROOT, 'scale-als', [
        '### ALS training (recommendation template)',
        '',
        `\`node bench/columnar/als.mjs --ratings ${sizes.join(',')}\`: synthetic rank-5 ratings plus noise in half stars (a user per 150 ratings, ` +
          'an item per 750), every 10th held out; rank 10, 10 iterations, λ 0.01. Each row is its own process (its peak RSS). ' +
          'The model is the same bit for bit on any number of threads (hence the same RMSE).',
        '',
        table,
        '',
        ...(exponents ? [exponents, ''] : []),
        ...(sizes.includes(20_000_000) ? [] : ['The 20M-rating goal (< 120 s, < 1 GB) is not measured in this run: `--ratings 20000000` on a quiet machine.', '']),
        `Machine: ${machineSummary()}, load average ${loadavg()[0].toFixed(1)} when it ended (shared with other work).`,
      ]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Synthetic ratings as columns (truth: rank-5 factors plus noise, in half stars), every 10th held out; one training. */
async function trainOnce(trainAls, trainAlsParallel, predictRating, n, workers) {
  const users = Math.max(1, Math.round(n / 150));
  const items = Math.max(1, Math.round(n / 750));
  let state = 12_345;
  const random = () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
  const truth = (count) => Float64Array.from({ length: count * 5 }, () => random() - 0.5);
  const userTruth = truth(users);
  const itemTruth = truth(items);
  const trainSize = n - Math.floor(n / 10);
  const columns = { size: trainSize, user: new Int32Array(trainSize), item: new Int32Array(trainSize), rating: new Float64Array(trainSize) };
  const held = { user: new Int32Array(n - trainSize), item: new Int32Array(n - trainSize), rating: new Float64Array(n - trainSize) };
  let t = 0;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const u = Math.floor(random() * users);
    const v = Math.floor(random() * items);
    let r = 3;
    for (let f = 0; f < 5; f++) r += 4 * userTruth[u * 5 + f] * itemTruth[v * 5 + f];
    // Half stars from 0.5 to 5, as MovieLens ratings.
    r = Math.min(5, Math.max(0.5, Math.round((r + (random() - 0.5) * 0.5) * 2) / 2));
    const into = i % 10 === 0 ? held : columns;
    const at = i % 10 === 0 ? h++ : t++;
    into.user[at] = u;
    into.item[at] = v;
    into.rating[at] = r;
  }
  // Ids in order of first appearance, as readColumns numbers them.
  const renumber = (array, count) => {
    const index = new Int32Array(count).fill(-1);
    const ids = [];
    for (let i = 0; i < array.length; i++) {
      if (index[array[i]] < 0) index[array[i]] = ids.push(`x${array[i]}`) - 1;
      array[i] = index[array[i]];
    }
    return { ids, index };
  };
  const userMap = renumber(columns.user, users);
  const itemMap = renumber(columns.item, items);
  columns.userIds = userMap.ids;
  columns.itemIds = itemMap.ids;
  const params = { rank: 10, numIterations: 10, lambda: 0.01, seed: 3 };
  const start = performance.now();
  const model = workers === 1 ? trainAls(columns, params) : await trainAlsParallel(columns, params, workers);
  const ms = performance.now() - start;
  let squares = 0;
  let counted = 0;
  for (let i = 0; i < held.user.length; i++) {
    const u = userMap.index[held.user[i]];
    const v = itemMap.index[held.item[i]];
    if (u < 0 || v < 0) continue;
    squares += (predictRating(model, u, v) - held.rating[i]) ** 2;
    counted++;
  }
  return { ms, rmse: Math.sqrt(squares / counted), maxRss: process.resourceUsage().maxRSS * 1024 };
}
