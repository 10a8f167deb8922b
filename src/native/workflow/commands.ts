import { InvalidArgumentError, type Command } from 'commander';
import { getPassThroughArgs } from '../pio/argv.js';
import { isPioVerbose, PioExit, pioLog } from '../pio/console.js';
import type { Storage } from '../storage/index.js';
import type { ConsoleLines } from './context.js';
import { driverMemoryMb, reexecWithHeapLimit } from './driver-memory.js';
import { EngineWorkflowError } from './errors.js';

/**
 * The engine commands of the native `pio`: build, train, eval, deploy, undeploy, batchpredict, with
 * upstream's options (spec §5.7–5.12). Registration is cheap; each action imports its implementation.
 */

const consoleLines: ConsoleLines = {
  info: (logger, message) => pioLog('INFO', logger, message),
  warn: (logger, message) => pioLog('WARN', logger, message),
  error: (logger, message) => pioLog('ERROR', logger, message),
};

async function openStorageFromEnv(): Promise<Storage> {
  const { openStorage, resolveStorageSettings } = await import('../storage/index.js');
  return openStorage(resolveStorageSettings(process.env), { applicationName: 'pio-engine' });
}

interface GlobalOptions {
  engineDir?: string;
  variant?: string;
  verbose?: boolean;
}

/** Engine failures are upstream console lines (`[ERROR] [Engine$] …`) and exit 1. */
async function run(work: () => Promise<void>): Promise<void> {
  // With --verbose, stack traces point into the engine's TypeScript sources (bundles carry source maps).
  if (isPioVerbose()) process.setSourceMapsEnabled(true);
  try {
    await work();
  } catch (error) {
    if (error instanceof EngineWorkflowError) {
      consoleLines.error(error.logger, error.message);
      // The engine's own stack is what a developer needs to fix a failing component.
      const stack = (error.cause as { stack?: unknown } | undefined)?.stack;
      if (isPioVerbose() && typeof stack === 'string') process.stderr.write(`${stack}\n`);
      throw new PioExit(error.exitCode);
    }
    throw error;
  }
}

/** Spark's driver memory (after `--`) becomes the Node heap limit: re-run this command in such a Node. */
async function applyDriverMemory(): Promise<boolean> {
  const code = await reexecWithHeapLimit(driverMemoryMb(getPassThroughArgs()), (message) => consoleLines.info('Runner$', message));
  if (code === undefined) return false;
  throw new PioExit(code);
}

const integer = (name: string, min = 0) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 2147483647) {
    throw new InvalidArgumentError(`${name} must be an integer${min > 0 ? ` of at least ${min}` : ''}.`);
  }
  return Number(value);
};

function pollInterval(value: string | undefined, flag: boolean): number {
  if (value === undefined || value === '') return 5000;
  if (!/^\d+$/.test(value)) {
    throw new EngineWorkflowError(
      `${flag ? '--poll-interval' : 'PIO_ENGINE_POLL_INTERVAL'} must be a number of milliseconds (0 turns hot swapping off), got '${value}'.`,
    );
  }
  return Number(value);
}

export function registerEngineCommands(program: Command): void {
  program
    .command('build')
    .description('compile (bundle) and check the engine in the engine directory')
    .option('--sbt-extra <args>', 'accepted for compatibility; not used')
    .option('--clean', 'remove previous build output (target/) first')
    .option('--no-asm', 'accepted for compatibility (there is no assembly jar)')
    .option('--uber-jar', 'accepted for compatibility; not used')
    .option('--generate-pio-sbt', 'accepted for compatibility; not used')
    .addHelpText('after', '\nExample:\n  $ pio build\n  $ pio build --clean --engine-dir templates/engines/recommendation')
    .action((options: { clean?: boolean }, command: Command) =>
      run(async () => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const { runBuild } = await import('./build.js');
        await runBuild({ engineDir: globals.engineDir, variant: globals.variant, clean: options.clean }, { console: consoleLines });
      }),
    );

  program
    .command('train')
    .description('train the engine and store the model as a new engine instance')
    .option('--batch <label>', 'batch label stored with the engine instance', '')
    .option('--skip-sanity-check', 'skip the data sanity checks (-ssc)')
    .option('--stop-after-read', 'stop after reading training data (-sar)')
    .option('--stop-after-prepare', 'stop after preparing training data (-sap)')
    .option('--engine-factory <name>', "override engine.json's engineFactory (module#export)")
    .option('--engine-params-key <key>', "take engine params from the factory's engineParams(key)")
    .option('--verbosity <n>', 'workflow verbosity', integer('--verbosity'), 0)
    .option('--json-extractor <name>', 'accepted for compatibility (Json4sNative|Gson|Both)')
    .option('--uber-jar', 'accepted for compatibility; not used')
    .option('--main-py-file <file>', 'accepted for compatibility; not used')
    .option('--params-path <path>', 'accepted for compatibility; not used')
    .option('--metrics-params', 'accepted for compatibility; not used (-mp)')
    .addHelpText(
      'after',
      '\nSpark arguments after `--` are ignored, except the driver memory, which becomes the Node heap limit.\n' +
        '\nExample:\n  $ pio train\n  $ pio train --engine-dir my-engine -- --driver-memory 2g',
    )
    .action(
      (
        options: {
          batch: string;
          skipSanityCheck?: boolean;
          stopAfterRead?: boolean;
          stopAfterPrepare?: boolean;
          engineFactory?: string;
          engineParamsKey?: string;
          verbosity: number;
        },
        command: Command,
      ) =>
        run(async () => {
          if (await applyDriverMemory()) return;
          const globals = command.optsWithGlobals<GlobalOptions>();
          const { runTrain } = await import('./train.js');
          await runTrain(
            { ...options, engineDir: globals.engineDir, variant: globals.variant },
            { console: consoleLines, openStorage: openStorageFromEnv },
          );
        }),
    );

  program
    .command('eval')
    .description('evaluate engine params with a metric; writes best.json for a single-metric evaluation')
    .argument('<evaluation>', 'evaluation module and export, e.g. src/evaluation.ts#accuracy')
    .argument('[engine-params-generator]', 'engine params generator module and export (default: the evaluation)')
    .option('--batch <label>', 'batch label stored with the evaluation instance', '')
    .option('--json-extractor <name>', 'accepted for compatibility (Json4sNative|Gson|Both)')
    .addHelpText('after', '\nExample:\n  $ pio eval src/evaluation.ts#accuracyEvaluation src/evaluation.ts#engineParamsList')
    .action((evaluation: string, generator: string | undefined, options: { batch: string }, command: Command) =>
      run(async () => {
        if (await applyDriverMemory()) return;
        const globals = command.optsWithGlobals<GlobalOptions>();
        const { runEval } = await import('./evaluate.js');
        await runEval(
          { engineDir: globals.engineDir, evaluation, generator, batch: options.batch },
          { console: consoleLines, openStorage: openStorageFromEnv },
        );
      }),
    );

  program
    .command('deploy')
    .description('serve the latest trained engine instance over HTTP (hot-swaps newer trainings)')
    .option('--ip <ip>', 'IP to bind to', '0.0.0.0')
    .option('--port <port>', 'port to bind to', integer('--port'), 8000)
    .option('--engine-instance-id <id>', 'serve this engine instance instead of the latest trained one')
    .option('--feedback', 'send each query and prediction to the Event Server')
    .option('--accesskey <key>', 'access key for feedback events')
    .option('--event-server-ip <ip>', 'Event Server IP for feedback', '0.0.0.0')
    .option('--event-server-port <port>', 'Event Server port for feedback', integer('--event-server-port'), 7070)
    .option('--poll-interval <ms>', 'milliseconds between checks for a newer training (0 = off; default $PIO_ENGINE_POLL_INTERVAL or 5000)')
    .option('--batch <label>', 'accepted for compatibility; not used')
    .option('--log-url <url>', 'accepted for compatibility; not used')
    .option('--log-prefix <prefix>', 'accepted for compatibility; not used')
    .option('--json-extractor <name>', 'accepted for compatibility (Json4sNative|Gson|Both)')
    .option('--uber-jar', 'accepted for compatibility; not used')
    .option('--admin-server-ip <ip>', 'accepted for compatibility; not used')
    .option('--admin-server-port <port>', 'accepted for compatibility; not used')
    .addHelpText('after', '\nExample:\n  $ pio deploy --port 8000\n  $ pio deploy --feedback --accesskey $ACCESS_KEY --event-server-port 7070')
    .action(
      (
        options: {
          ip: string;
          port: number;
          engineInstanceId?: string;
          feedback?: boolean;
          accesskey?: string;
          eventServerIp: string;
          eventServerPort: number;
          pollInterval?: string;
        },
        command: Command,
      ) =>
        run(async () => {
          if (await applyDriverMemory()) return;
          const globals = command.optsWithGlobals<GlobalOptions>();
          const pollIntervalMs =
            options.pollInterval !== undefined ? pollInterval(options.pollInterval, true) : pollInterval(process.env.PIO_ENGINE_POLL_INTERVAL, false);
          const { runDeploy } = await import('../engineserver/deploy.js');
          const server = await runDeploy(
            {
              engineDir: globals.engineDir,
              variant: globals.variant,
              ip: options.ip,
              port: options.port,
              engineInstanceId: options.engineInstanceId,
              feedback: options.feedback,
              accessKey: options.accesskey,
              eventServerIp: options.eventServerIp,
              eventServerPort: options.eventServerPort,
              pollIntervalMs,
              serverKey: process.env.PIO_SERVER_ACCESS_KEY || undefined,
            },
            { console: consoleLines, openStorage: openStorageFromEnv },
          );
          const shutdown = () => void server.close();
          process.once('SIGTERM', shutdown);
          process.once('SIGINT', shutdown);
          await server.stopped;
          process.off('SIGTERM', shutdown);
          process.off('SIGINT', shutdown);
        }),
    );

  program
    .command('undeploy')
    .description('stop the engine server at ip:port')
    .option('--ip <ip>', 'engine server IP', '0.0.0.0')
    .option('--port <port>', 'engine server port', integer('--port'), 8000)
    .addHelpText('after', '\nExample:\n  $ pio undeploy --port 8000')
    .action((options: { ip: string; port: number }) =>
      run(async () => {
        const { requestStop } = await import('../engineserver/deploy.js');
        const at = `http://${options.ip}:${options.port}`;
        consoleLines.info('Engine$', `Undeploying any existing engine instance at ${at}`);
        const result = await requestStop(options.ip, options.port, process.env.PIO_SERVER_ACCESS_KEY || undefined);
        if (result === 'stopped') return;
        if (result === 'nothing') throw new EngineWorkflowError(`Nothing at ${at}`);
        if (result === 404) throw new EngineWorkflowError(`Another process is using ${at}. Unable to undeploy.`);
        throw new EngineWorkflowError(
          `Another process is using ${at}, or an existing engine server is not responding properly (HTTP ${result}). Unable to undeploy.`,
        );
      }),
    );

  program
    .command('batchpredict')
    .description('predict a file of queries (one JSON per line) into a directory of part files')
    .option('--input <path>', 'query file or directory of part files', 'batchpredict-input.json')
    .option('--output <path>', 'output directory (must not exist)', 'batchpredict-output.json')
    .option('--query-partitions <n>', 'number of output part files', integer('--query-partitions', 1))
    .option('--engine-instance-id <id>', 'use this engine instance instead of the latest trained one')
    .option('--json-extractor <name>', 'accepted for compatibility (Json4sNative|Gson|Both)')
    .addHelpText('after', '\nExample:\n  $ pio batchpredict --input queries.json --output predictions')
    .action(
      (options: { input: string; output: string; queryPartitions?: number; engineInstanceId?: string }, command: Command) =>
        run(async () => {
          if (await applyDriverMemory()) return;
          const globals = command.optsWithGlobals<GlobalOptions>();
          const { runBatchPredict } = await import('./batchpredict.js');
          await runBatchPredict(
            { ...options, engineDir: globals.engineDir, variant: globals.variant },
            { console: consoleLines, openStorage: openStorageFromEnv },
          );
        }),
    );
}
