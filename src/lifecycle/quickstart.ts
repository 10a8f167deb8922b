import { readdir } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { resolveStorageSettings } from '../native/storage/settings.js';
import { UserError } from '../lib/errors.js';
import { createOutput } from '../lib/output.js';
import { upCacheDir } from '../platform/up.js';
import { DEFAULT_QUICKSTART_DIR } from './default-names.js';
import { runInit } from './init.js';
import { aborted, INTERRUPTED_EXIT_CODE, withInterrupts } from './interrupts.js';
import { withRunningApp } from './lifecycle.js';
import { checkAnswer, compact } from './queries.js';
import { sendQuery } from './query-client.js';
import { quietReporter, verboseReporter } from './reporter.js';
import { templateInfo } from './templates.js';

export interface QuickstartOptions {
  dir?: string | undefined;
  yes: boolean;
  keepRunning: boolean;
  verbose: boolean;
  port?: number | undefined;
  buildpackDir: string;
  bootTimeoutMs: number;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

/**
 * `pio-deploy quickstart`: the classification demo app created in a new directory, its whole
 * lifecycle run on the embedded PostgreSQL, the demo queries answered and printed. Stops everything it
 * started before returning, unless --keep-running (then it serves until Ctrl-C). Returns the exit status.
 */
export async function runQuickstart(options: QuickstartOptions): Promise<number> {
  const out = createOutput(options.stdout, options.stderr);
  const started = Date.now();
  const dir = resolve(options.dir ?? DEFAULT_QUICKSTART_DIR);
  const shown = relative(process.cwd(), dir) || '.';
  const entries = await readdir(dir).catch(() => undefined);
  if (entries !== undefined && entries.length > 0) {
    throw new UserError(`${shown} already exists and is not empty; quickstart never overwrites files.`, {
      hint: `Remove it, or pass --dir <new directory>. To run an existing app: cd ${shown} && pio-deploy up`,
    });
  }
  const template = templateInfo('classification');
  const pioHome = resolveStorageSettings(process.env).pioHome;
  if (!options.yes) await confirm(options, shown, pioHome);

  const init = await runInit({ dir, template: template.name, out, nextSteps: false });
  const reporter = (options.verbose ? verboseReporter : quietReporter)(options);
  return withInterrupts(
    async (signal) => {
      let failures = 0;
      const lifecycle = {
        appDir: dir,
        buildpackDir: options.buildpackDir,
        pioHome,
        cacheDir: upCacheDir(dir),
        alwaysStopDatabase: false,
        port: options.port,
        bootTimeoutMs: options.bootTimeoutMs,
        stopGraceMs: 10_000,
        reporter,
        signal,
      };
      const run = await withRunningApp(lifecycle, out, async (app) => {
        out.topic(`${init.mode === 'template' ? init.appName : 'The app'} is up at ${app.url}: sending the demo queries`);
        for (const spec of template.queries.filter((query) => query.expectStatus === undefined)) {
          if (signal.aborted) break;
          const answer = await sendQuery(app.port, spec.query).catch((error: Error) => error);
          if (answer instanceof Error) {
            failures++;
            out.detail(`${compact(spec.query)}  →  no answer (${answer.message})`);
            continue;
          }
          const problems = checkAnswer(spec, answer);
          if (problems.length > 0) failures++;
          out.detail(`${compact(spec.query)}  →  ${compact(answer.body)}${problems.length > 0 ? `   (${problems.join('; ')})` : ''}`);
        }
        if (options.keepRunning && failures === 0 && !signal.aborted) {
          out.topic(`Serving at ${app.url} until Ctrl-C`);
          out.detail(`curl -s -X POST ${app.url}/queries.json -d '${JSON.stringify(template.queries[0]?.query ?? {})}'`);
          const exit = await Promise.race([app.web.exited, aborted(signal).then(() => undefined)]);
          if (exit) {
            out.error(`web.1 exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})`);
            failures++;
          }
        }
      });
      if (run === undefined) return INTERRUPTED_EXIT_CODE;
      if (run.leftovers.length > 0) failures++;
      const { app, stopped } = run;
      if (signal.aborted && !options.keepRunning) return INTERRUPTED_EXIT_CODE;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (failures > 0) {
        out.error(`Quickstart finished with ${failures} problem${failures === 1 ? '' : 's'} in ${seconds} s`);
        return 1;
      }
      out.topic(`Done in ${seconds} s (build ${(app.timings.buildMs / 1000).toFixed(1)} s, release ${(app.timings.releaseMs / 1000).toFixed(1)} s, boot ${(app.timings.bootMs / 1000).toFixed(1)} s); everything stopped`);
      if (stopped.length > 0) out.detail(`stopped ${stopped.join(', ')}`);
      out.detail(`Your app is in ${shown}. Next:`);
      out.detail(`cd ${shown} && pio-deploy up --port 8000      # serve it again`);
      out.detail('pio-deploy smoke --queries smoke-queries.jsonl   # check its answers, as CI would');
      out.detail('pio-deploy remote add staging && git push staging main');
      return 0;
    },
    (signal) => out.topic(`${signal} received, stopping`),
  );
}

async function confirm(options: QuickstartOptions, shown: string, pioHome: string): Promise<void> {
  if (!options.stdin.isTTY) {
    throw new UserError('quickstart needs confirmation, and stdin is not a terminal.', {
      hint: 'Pass --yes to run it non-interactively (e.g. pio-deploy quickstart --yes).',
    });
  }
  const rl = createInterface({ input: options.stdin, output: options.stdout });
  try {
    const answer = await rl.question(
      `Create the classification demo app in ./${shown}, build and train it on the embedded PostgreSQL in ${pioHome}, and query it? [Y/n] `,
    );
    if (!/^(y|yes)?$/i.test(answer.trim())) throw new UserError('Quickstart cancelled; nothing was created.', { exitCode: 1 });
  } finally {
    rl.close();
  }
}
