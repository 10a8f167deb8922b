import type { PioDeployConfig } from '../config/load-config.js';
import { planSparkMemory, sparkArgs, type SparkMemoryPlan } from '../config/spark-args.js';
import type { Output } from '../lib/output.js';
import { runChild } from './run-child.js';
import { prepareRuntime, type RuntimeContext } from './runtime-config.js';

/** `pio train [PIO_OPTS] -- [PIO_TRAIN_SPARK_OPTS] [S3]` (as in BEHAVIOUR.md#runtime-scripts). */
export function trainArgv(config: PioDeployConfig, memory: SparkMemoryPlan): string[] {
  return ['train', ...config.values.PIO_OPTS, '--', ...sparkArgs(config.values.PIO_TRAIN_SPARK_OPTS, config, memory)];
}

/** Runs `pio train` in a prepared runtime; used by `pio-deploy train` and by the release phase. */
export async function trainIn(runtime: RuntimeContext, output: Output, indent: boolean): Promise<number> {
  const memory = await planSparkMemory(runtime.config);
  if (memory.warning) output.warn(memory.warning);
  output.detail(`Spark ${memory.description}`);
  const result = await runChild({
    command: runtime.pio,
    argv: trainArgv(runtime.config, memory),
    cwd: runtime.appDir,
    env: runtime.childEnv,
    secrets: runtime.secrets,
    indent,
    stopWithParent: true,
  });
  return result.exitCode;
}

/** `pio-deploy train`: one-off training (`heroku run train`). */
export async function runTrain(appDir: string, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const runtime = await prepareRuntime(appDir, env, output);
  output.topic('Training the engine (pio train)');
  return trainIn(runtime, output, false);
}
