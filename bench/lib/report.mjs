// Reporting shared by the benchmarks: Markdown tables and their sections of BENCHMARKS.md.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** A Markdown table with every column padded to its widest cell; `rows[0]` is the header. */
export function markdownTable(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** This machine in one phrase: CPUs, memory and Node version. */
export function machineSummary() {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`;
}

/**
 * Replaces the benchmark's own section of `<root>/BENCHMARKS.md` (between `<!-- name:start -->` and
 * `<!-- name:end -->`) with `lines`, or appends the section when the file has none yet.
 */
export async function writeBenchmarkSection(root, name, lines) {
  const section = [`<!-- ${name}:start -->`, ...lines, `<!-- ${name}:end -->`].join('\n');
  const path = join(root, 'BENCHMARKS.md');
  const existing = existsSync(path) ? await readFile(path, 'utf8') : '# Benchmarks\n';
  const pattern = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`);
  const updated = pattern.test(existing) ? existing.replace(pattern, () => section) : `${existing.trimEnd()}\n\n${section}\n`;
  await writeFile(path, updated);
}

/**
 * How cost grows with size: the least-squares slope of log(cost) over log(size) (1 = linear).
 * @param {Array<[number, number]>} points [size, cost] pairs
 */
export function growthExponent(points) {
  const xs = points.map(([size]) => Math.log(size));
  const ys = points.map(([, cost]) => Math.log(cost));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

/**
 * The middle value (the upper one of an even count), leaving `values` unsorted.
 * @param {readonly number[]} values
 */
export function median(values) {
  return /** @type {number} */ ([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]);
}
