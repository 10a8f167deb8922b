import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createOutput } from '../lib/output.js';
import { upCacheDir } from '../platform/up.js';
import { INTERRUPTED_EXIT_CODE, withInterrupts } from './interrupts.js';
import { withRunningApp, type PhaseTimings } from './lifecycle.js';
import { checkAnswer, compact, readQueriesFile, type QueryLine } from './queries.js';
import { sendQuery } from './query-client.js';
import { quietReporter, verboseReporter } from './reporter.js';

export interface SmokeOptions {
  appDir: string;
  queriesFile: string;
  buildpackDir: string;
  envFile?: string | undefined;
  verbose: boolean;
  bootTimeoutMs: number;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

export interface QueryResult {
  line: number;
  label: string;
  ms: number;
  failures: string[];
}

/**
 * `pio-deploy smoke`: the app's whole lifecycle in temp dirs on a private embedded PostgreSQL, then
 * every query of the file against the web process, a report, and everything stopped and removed.
 * Returns the exit status: 0 only when every query passed and nothing was left running.
 */
export async function runSmoke(options: SmokeOptions): Promise<number> {
  const out = createOutput(options.stdout, options.stderr);
  const queries = await readQueriesFile(resolve(options.queriesFile));
  const appDir = resolve(options.appDir);
  const pioHome = await mkdtemp(join(tmpdir(), 'pio-smoke-home-'));
  const reporter = (options.verbose ? verboseReporter : quietReporter)(options);
  const started = Date.now();
  try {
    return await withInterrupts(
      async (signal) => {
        out.topic(`Smoke test of ${appDir}: ${queries.length} quer${queries.length === 1 ? 'y' : 'ies'} from ${options.queriesFile}`);
        const lifecycle = {
          appDir,
          buildpackDir: options.buildpackDir,
          pioHome,
          cacheDir: upCacheDir(appDir),
          envFile: options.envFile,
          alwaysStopDatabase: true,
          bootTimeoutMs: options.bootTimeoutMs,
          stopGraceMs: 10_000,
          reporter,
          signal,
        };
        const run = await withRunningApp(lifecycle, out, async (app) => {
          out.topic(`Sending queries to ${app.url}/queries.json`);
          return runQueries(app.port, queries, signal, (result) => printResult(out, result));
        });
        if (run === undefined) return INTERRUPTED_EXIT_CODE;
        const results = run.value;
        if (run.leftovers.length > 0) results.push({ line: 0, label: 'cleanup', ms: 0, failures: ['processes left running'] });
        if (signal.aborted) return INTERRUPTED_EXIT_CODE;
        return summarise(out, results, queries.length, run.app.timings, Date.now() - started, run.stopped);
      },
      (signal) => out.topic(`${signal} received, stopping`),
    );
  } finally {
    await rm(pioHome, { recursive: true, force: true });
  }
}

async function runQueries(
  port: number,
  queries: QueryLine[],
  signal: AbortSignal,
  onResult: (result: QueryResult) => void,
): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const { line, spec } of queries) {
    if (signal.aborted) break;
    const label = spec.name ?? `line ${line}: ${compact(spec.query, 60)}`;
    let result: QueryResult;
    try {
      const answer = await sendQuery(port, spec.query);
      const failures = checkAnswer(spec, answer);
      if (failures.length > 0) failures.push(`got ${answer.status} ${compact(answer.body)}`);
      result = { line, label, ms: answer.ms, failures };
    } catch (error) {
      result = { line, label, ms: 0, failures: [`request failed: ${(error as Error).message}`] };
    }
    results.push(result);
    onResult(result);
  }
  return results;
}

function printResult(out: ReturnType<typeof createOutput>, result: QueryResult): void {
  const ms = `${result.ms.toFixed(result.ms < 10 ? 1 : 0)} ms`;
  if (result.failures.length === 0) {
    out.detail(`ok    ${result.label} (${ms})`);
  } else {
    out.detail(`FAIL  ${result.label} (${ms})`);
    for (const failure of result.failures) out.detail(`        ${failure}`);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function summarise(
  out: ReturnType<typeof createOutput>,
  results: QueryResult[],
  total: number,
  timings: PhaseTimings,
  elapsedMs: number,
  stopped: string[],
): number {
  const passed = results.filter((result) => result.failures.length === 0 && result.line > 0).length;
  const ok = passed === total && results.every((result) => result.failures.length === 0);
  out.topic(`${ok ? 'Passed' : 'FAILED'}: ${passed} of ${total} queries passed`);
  out.detail(
    `build ${seconds(timings.buildMs)}, release ${seconds(timings.releaseMs)}, boot ${seconds(timings.bootMs)}, total ${seconds(elapsedMs)}` +
      (results.some((result) => result.line === 0) ? '' : '; everything stopped and removed'),
  );
  if (stopped.length > 0) out.detail(`stopped ${stopped.join(', ')}`);
  return ok ? 0 : 1;
}
