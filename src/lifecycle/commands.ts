import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parsePort, parseSeconds } from '../cli/arg-parsers.js';
import { UserError } from '../lib/errors.js';
import { createOutput } from '../lib/output.js';
import { defaultBuildpackDir } from '../platform/paths.js';
import { DEFAULT_QUICKSTART_DIR, SMOKE_QUERIES_FILE } from './default-names.js';
import { TEMPLATE_NAMES } from './templates.js';

// Registration only declares commands: each action imports its implementation, so `pio-deploy --help`
// (and every other area's commands) never load pg, execa, zod or the build-release-serve machinery.

const QUERY_FORMAT_HELP = `
Queries file: JSON Lines, one query per line (blank lines and lines starting with # are skipped).
Each line POSTs "query" to /queries.json and checks the answer:
  {"query": {"voice_usage": 12, "data_usage": 0, "text_usage": 4}, "expect": {"service_plan": 0}}
  {"query": {"user": "1", "num": 4}, "expectKeys": ["itemScores"]}
  {"query": {"user": "1", "num": 4}, "match": {"path": "itemScores.length", "gte": 1}}
  {"query": {"vector": []}, "expectStatus": 400, "name": "empty vector is refused"}
"expect" is deep equality; "match" is one predicate or an array of them, each a "path" (keys, array
indexes, length) with any of equals, oneOf, gt, gte, lt, lte, type, exists. Status 200 is expected
unless "expectStatus" says otherwise.

Exit status: 0 when every query passed and nothing was left running, 1 otherwise, 130 on Ctrl-C.`;

/** `pio-deploy init`, `pio-deploy smoke` and `pio-deploy quickstart`. */
export function registerLifecycleCommands(program: Command): void {
  program
    .command('init [dir]')
    .description(
      'Create a deployable engine app from a template (engine, app.json, Procfile, .env, data hooks, README, first git commit), ' +
        'or prepare an existing engine directory for deployment without touching its code',
    )
    .addOption(new Option('-t, --template <name>', 'engine template for a new app').choices([...TEMPLATE_NAMES]))
    .option('--name <name>', 'app and PredictionIO app name (default: from the directory name)')
    .option('--force', 'add the template to a non-empty directory (same-named files are overwritten)', false)
    .option('--no-git', 'do not git init or commit')
    .addHelpText(
      'after',
      '\nExample:\n  $ pio-deploy init my-engine --template classification\n  $ cd my-scala-engine && pio-deploy init   # prepare an existing engine',
    )
    .action(async (dir: string | undefined, options: { template?: string; name?: string; force: boolean; git: boolean }) => {
      const { runInit } = await import('./init.js');
      await runInit({
        dir: dir ?? '.',
        template: options.template,
        name: options.name,
        force: options.force,
        git: options.git,
        out: createOutput(),
      });
    });

  program
    .command('smoke [dir]')
    .description(
      "CI check: build, release and serve the app's committed files in temp dirs on a private embedded PostgreSQL, " +
        'send each query of the queries file, report, and stop everything',
    )
    .option('-q, --queries <file>', `queries file (default: <dir>/${SMOKE_QUERIES_FILE})`)
    .option('--env <file>', 'extra config vars file (applied after app.json and <dir>/.env)')
    .option('--buildpack <dir>', 'classic buildpack directory (default: the one shipped with pio-deploy)')
    .option('--boot-timeout <seconds>', 'how long the web process may take to answer HTTP', parseSeconds, 120)
    .option('-v, --verbose', 'show the full build, release and web output', false)
    .addHelpText('after', `${QUERY_FORMAT_HELP}\n\nExample:\n  $ pio-deploy smoke . --queries ${SMOKE_QUERIES_FILE}`)
    .action(
      async (
        dir: string | undefined,
        options: { queries?: string; env?: string; buildpack?: string; bootTimeout: number; verbose: boolean },
      ) => {
        const appDir = resolve(dir ?? '.');
        const queriesFile = options.queries ? resolve(options.queries) : join(appDir, SMOKE_QUERIES_FILE);
        if (!options.queries && !existsSync(queriesFile)) {
          throw new UserError(`No queries file: ${queriesFile} does not exist.`, {
            hint: 'Pass --queries <file> with one JSON query per line (see pio-deploy smoke --help).',
          });
        }
        const { runSmoke } = await import('./smoke.js');
        process.exitCode = await runSmoke({
          appDir,
          queriesFile,
          buildpackDir: resolve(options.buildpack ?? defaultBuildpackDir()),
          envFile: options.env ? resolve(options.env) : undefined,
          verbose: options.verbose,
          bootTimeoutMs: options.bootTimeout * 1000,
          stdout: process.stdout,
          stderr: process.stderr,
        });
      },
    );

  program
    .command('quickstart')
    .description(
      'First run: create the classification demo app in a new directory, build, release and serve it on the embedded PostgreSQL, and print its answers to demo queries',
    )
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
    .option('--dir <path>', 'directory for the new app (must not exist or be empty)', DEFAULT_QUICKSTART_DIR)
    .option('--keep-running', 'keep serving after the demo queries, until Ctrl-C', false)
    .option('-p, --port <port>', 'port of the engine server (default: a free port)', parsePort)
    .option('--buildpack <dir>', 'classic buildpack directory (default: the one shipped with pio-deploy)')
    .option('--boot-timeout <seconds>', 'how long the web process may take to answer HTTP', parseSeconds, 120)
    .option('-v, --verbose', 'show the full build, release and web output', false)
    .addHelpText('after', '\nExample:\n  $ npm ci && ./bin/pio-deploy quickstart --yes\n  $ pio-deploy quickstart --dir /tmp/demo --keep-running')
    .action(
      async (options: {
        yes: boolean;
        dir: string;
        keepRunning: boolean;
        port?: number;
        buildpack?: string;
        bootTimeout: number;
        verbose: boolean;
      }) => {
        const { runQuickstart } = await import('./quickstart.js');
        process.exitCode = await runQuickstart({
          dir: options.dir,
          yes: options.yes,
          keepRunning: options.keepRunning,
          verbose: options.verbose,
          port: options.port,
          buildpackDir: resolve(options.buildpack ?? defaultBuildpackDir()),
          bootTimeoutMs: options.bootTimeout * 1000,
          stdin: process.stdin,
          stdout: process.stdout,
          stderr: process.stderr,
        });
      },
    );
}
