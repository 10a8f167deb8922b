import { GATE_REFUSED_EXIT_CODE } from '../config/train-gate.js';
import type { Output } from '../lib/output.js';
import { exitCodeOf, loadData, withReleaseSession, type LoadDataOutcome } from './data-hooks.js';
import type { ReleaseStateStore } from './release-state.js';
import { prepareRuntime, type RuntimeContext } from './runtime-config.js';
import { trainIn } from './train.js';
import { webMode } from './web.js';

/**
 * `pio-deploy release`, the release phase (BEHAVIOUR.md#runtime-scripts, original `heroku-buildpack-pio-release`):
 *
 * 1. PIO_TRAIN_ON_RELEASE=false → no data load, no training, exit 0.
 * 2. Load data (data hooks). Missing configuration → message, skip training, exit 0, so setting the
 *    variable (which creates a new release) retries. A real failure → exit with its status.
 * 3. Event server apps (PIO_RUN_AS_EVENTSERVER=true or no engine.json) stop here; engines run pio train,
 *    whose status is the release's.
 *
 * Steps 2 and 3 hold the app's release lock (`withReleaseSession`): a release that overlaps another
 * one of the same app waits for it, so the initial data is imported once and trainings do not race.
 */
export async function runRelease(appDir: string, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const runtime = await prepareRuntime(appDir, env, output);
  if (!runtime.config.values.PIO_TRAIN_ON_RELEASE) {
    output.topic('Skipping train on release (PIO_TRAIN_ON_RELEASE=false).');
    return 0;
  }
  return withReleaseSession(runtime, output, (store) => loadDataAndTrain(runtime, store, appDir, output));
}

async function loadDataAndTrain(
  runtime: RuntimeContext,
  store: ReleaseStateStore | undefined,
  appDir: string,
  output: Output,
): Promise<number> {
  output.topic('Loading data');
  const outcome = await loadData(runtime, output, store);
  if (outcome.kind === 'transient') {
    output.detail(outcome.message);
    output.topic('Transient error loading data. Skipping train on release.');
    output.detail('The next release (e.g. after setting the variable above) loads the data and trains.');
    return 0;
  }
  if (outcome.kind === 'failed') {
    output.error(`Error loading data: ${outcome.message}`);
    return outcome.exitCode;
  }
  if ((await webMode(appDir, runtime.config)) === 'eventserver') {
    output.topic('Event server app: nothing to train.');
    return 0;
  }
  output.topic('Running train on release');
  const status = await trainIn(runtime, output, true);
  if (status === GATE_REFUSED_EXIT_CODE && runtime.config.values.PIO_TRAIN_GATE) {
    output.error('The new training did not pass the promotion gate (PIO_TRAIN_GATE, reason above); the previous model keeps serving and, as PIO_TRAIN_GATE_FAIL_RELEASE=true, the release fails.');
  } else if (status !== 0) output.error(`pio train failed with exit code ${status}; the release is not deployed.`);
  return status;
}

/** `pio-deploy load-data`: the data hooks alone, with the original's exit codes (0 ok, 3 transient). */
export async function runLoadData(appDir: string, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const runtime = await prepareRuntime(appDir, env, output);
  const outcome: LoadDataOutcome = await withReleaseSession(runtime, output, (store) => loadData(runtime, output, store));
  if (outcome.kind === 'transient') output.detail(outcome.message);
  if (outcome.kind === 'failed') output.error(outcome.message);
  return exitCodeOf(outcome);
}
