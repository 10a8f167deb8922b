#!/usr/bin/env node
// Quickstart wall time: `pio-deploy quickstart --yes` as a new user runs it, measured end to end
// (process start to exit), with the phase times quickstart reports (build, release, boot).
//   cold: fresh HOME (no build cache, no embedded PostgreSQL data directory yet)
//   warm: the same HOME again, a new app directory (PostgreSQL data directory exists; the build cache
//         is per app directory, so the build itself is cold again)
// Usage (after `npm run build`):  node bench/quickstart/run.mjs [--runs N]
// Prints one line per run and a JSON summary; removes everything it created.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const CLI = join(ROOT, 'bin', 'pio-deploy');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1;

function quickstart(cwd, env, dir) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(CLI, ['quickstart', '--yes', '--dir', dir], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`quickstart exited ${code}:\n${output}`));
      const phases = /build ([\d.]+) s, release ([\d.]+) s, boot ([\d.]+) s/.exec(output);
      resolvePromise({
        wallS: Number(wallS.toFixed(1)),
        buildS: Number(phases?.[1]),
        releaseS: Number(phases?.[2]),
        bootS: Number(phases?.[3]),
      });
    });
  });
}

const results = [];
for (let run = 0; run < RUNS; run++) {
  const home = await mkdtemp(join(tmpdir(), 'pio-bench-quickstart-'));
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, HOME: home, PIO_HOME: join(home, '.pio'), PIO_DEPLOY_HOME: join(home, '.pio-deploy') };
  delete env.DATABASE_URL;
  try {
    for (const kind of ['cold', 'warm']) {
      const result = { kind, ...(await quickstart(home, env, `app-${kind}`)) };
      console.log(
        `${kind.padEnd(5)} wall ${result.wallS} s  (build ${result.buildS} s, release ${result.releaseS} s, boot ${result.bootS} s)`,
      );
      results.push(result);
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ cpus: cpus().length, loadavg1m: Number(loadavg()[0].toFixed(2)), results }, null, 2));
