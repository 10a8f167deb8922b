import { join } from 'node:path';
import type { PioDeployConfig } from '../config/load-config.js';
import type { DistributionKind } from '../config/storage-env.js';
import { nodeOptionsWithHeap } from '../config/memory.js';
import { planSparkMemory, sparkArgs, type SparkMemoryPlan } from '../config/spark-args.js';
import { UserError } from '../lib/errors.js';
import { redactSecrets } from '../lib/redact.js';
import { errorMessage } from '../native/workflow/errors.js';
import { pathExists } from '../lib/fs-checks.js';
import type { Output } from '../lib/output.js';
import { appRole, type AppRole } from '../config/app-role.js';
import { runChild } from './run-child.js';
import { pinnedInstanceId } from './models.js';
import { prepareRuntime, type RuntimeContext } from './runtime-config.js';
import { NO_TRAINED_INSTANCE, untrainedEngineError, untrainedReasons } from './untrained.js';

export type WebMode = AppRole;

/** Compile's Procfile rule: an event server when asked to be one or when there is no engine.json. */
export async function webMode(appDir: string, config: PioDeployConfig): Promise<WebMode> {
  return appRole({
    hasEngineJson: await pathExists(join(appDir, 'engine.json')),
    runAsEventServer: config.values.PIO_RUN_AS_EVENTSERVER,
  });
}

export interface FeedbackTarget {
  hostname: string;
  port: number;
  accessKey: string;
}

const FEEDBACK_VARIABLES = ['PIO_EVENTSERVER_HOSTNAME', 'PIO_EVENTSERVER_ACCESS_KEY', 'PIO_EVENTSERVER_APP_NAME'] as const;

/**
 * The feedback loop when PIO_ENABLE_FEEDBACK=true. A half-configured loop is an error naming what is
 * missing; the access key itself is never printed (the original echoed it).
 */
export function feedbackTarget(config: PioDeployConfig): FeedbackTarget | undefined {
  const values = config.values;
  if (!values.PIO_ENABLE_FEEDBACK) return undefined;
  const missing = FEEDBACK_VARIABLES.filter((name) => !values[name]);
  if (missing.length > 0) {
    const status = FEEDBACK_VARIABLES.map((name) => `${name}: ${missing.includes(name) ? 'missing' : 'set'}`);
    throw new UserError(`PIO_ENABLE_FEEDBACK=true requires ${missing.join(', ')}.\n${status.join('\n')}`, {
      hint: 'Set the missing variables to reach your event server app, or unset PIO_ENABLE_FEEDBACK.',
    });
  }
  return {
    hostname: values.PIO_EVENTSERVER_HOSTNAME as string,
    port: values.PIO_EVENTSERVER_PORT ?? 80,
    accessKey: values.PIO_EVENTSERVER_ACCESS_KEY as string,
  };
}

export function requirePort(config: PioDeployConfig): number {
  const port = config.values.PORT;
  if (port === undefined) {
    throw new UserError('PORT is not set: the web process must listen on $PORT.', {
      hint: 'The platform sets PORT for web dynos; to run locally, e.g. PORT=8000 pio-deploy web.',
    });
  }
  return port;
}

/**
 * `pio deploy --port $PORT [PIO_OPTS] [--feedback …] -- [spark opts]` for an engine (as in BEHAVIOUR.md#runtime-scripts),
 * `pio eventserver --ip 0.0.0.0 --port $PORT` for an event server.
 *
 * The feedback access key stays out of argv (anyone on the machine can read a process's arguments):
 * the native pio takes it from PIO_EVENTSERVER_ACCESS_KEY in its environment. Apache's `pio deploy`
 * reads it only from `--accesskey`, so for that distribution it still goes there.
 */
export function webArgv(
  mode: WebMode,
  config: PioDeployConfig,
  memory: SparkMemoryPlan,
  kind: DistributionKind = 'native',
  pinnedInstanceId?: string,
): string[] {
  const port = requirePort(config);
  if (mode === 'eventserver') return ['eventserver', '--ip', '0.0.0.0', '--port', String(port)];
  const feedback = feedbackTarget(config);
  const feedbackArgs = feedback
    ? [
        '--feedback',
        '--event-server-ip',
        feedback.hostname,
        '--event-server-port',
        String(feedback.port),
        ...(kind === 'apache' ? ['--accesskey', feedback.accessKey] : []),
      ]
    : [];
  // An --engine-instance-id in PIO_OPTS wins over the pin.
  const pinArgs = pinnedInstanceId !== undefined && !config.values.PIO_OPTS.includes('--engine-instance-id') ? ['--engine-instance-id', pinnedInstanceId] : [];
  return [
    'deploy',
    '--port',
    String(port),
    ...pinArgs,
    ...config.values.PIO_OPTS,
    ...feedbackArgs,
    '--',
    ...sparkArgs(config.values.PIO_SPARK_OPTS, config, memory),
  ];
}

/**
 * The pin (`pio-deploy models pin`) for Apache PredictionIO's `pio deploy`, which selects the newest
 * training itself; the native engine server reads the pin on its own (and follows it while running). A
 * database that cannot be read here leaves the choice to pio deploy, which then says what is wrong.
 */
async function apachePin(runtime: RuntimeContext, output: Output): Promise<string | undefined> {
  try {
    const pinned = await pinnedInstanceId(runtime);
    if (pinned) output.detail(`Serving the pinned engine instance ${pinned} (pio-deploy models unpin returns to the newest training)`);
    return pinned;
  } catch (error) {
    output.warn(`Could not read the serving pin (${redactSecrets(errorMessage(error), runtime.secrets)}); pio deploy serves the newest training.`);
    return undefined;
  }
}

/**
 * `pio-deploy web`: render config, then run the server in the foreground; its exit code is ours. When
 * there is no trained engine, pio deploy exits at once and this says why and what to do (BEHAVIOUR.md#untrained-release), so a
 * crash-looping dyno's log explains itself.
 */
export async function runWeb(appDir: string, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const runtime = await prepareRuntime(appDir, env, output);
  const mode = await webMode(appDir, runtime.config);
  const memory = await planSparkMemory(runtime.config);
  const argv = webArgv(mode, runtime.config, memory, runtime.kind, mode === 'engine' && runtime.kind === 'apache' ? await apachePin(runtime, output) : undefined);
  let childEnv = runtime.childEnv;
  if (mode === 'engine') {
    if (memory.warning) output.warn(memory.warning);
    output.detail(`Spark ${memory.description}`);
  } else if (runtime.kind === 'native') {
    // The native event server takes no Spark options, so its Node heap is capped from the same budget.
    childEnv = { ...childEnv, NODE_OPTIONS: nodeOptionsWithHeap(childEnv.NODE_OPTIONS, memory.driverMb) };
    output.detail(`Event server heap --max-old-space-size=${memory.driverMb}, sized as the Spark driver: ${memory.description}`);
  }
  output.topic(mode === 'engine' ? 'Starting the engine server (pio deploy)' : 'Starting the event server (pio eventserver)');
  let untrained = false;
  const result = await runChild({
    command: runtime.pio,
    argv,
    cwd: appDir,
    env: childEnv,
    secrets: runtime.secrets,
    stopWithParent: true,
    onLine: (line) => {
      if (mode === 'engine' && NO_TRAINED_INSTANCE.test(line)) untrained = true;
    },
  });
  if (untrained) throw untrainedEngineError(await untrainedReasons(runtime), result.exitCode);
  return result.exitCode;
}
