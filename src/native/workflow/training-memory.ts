import { ENV_VARIABLES } from '../../config/env-schema.js';
import { formatBytes, readMemoryLimit, type MemoryProbe } from '../../config/memory.js';
import type { Storage } from '../storage/index.js';
import { EngineWorkflowError } from './errors.js';

const MiB = 1024 * 1024;
const LOGGER = 'CoreWorkflow$';

/**
 * The estimate of a training's peak memory: a base for Node, the engine bundle and the database client,
 * and a share per event of the app. Measured (BENCHMARKS.md, "Universal Recommender"): `pio train` peaks
 * at 135 MB RSS for 100,000 events and 266 MB for 1,000,000, about 120 MB plus 146 bytes per event.
 * 400 bytes is that share with room for engines that keep more per event (ALS holds the ratings and
 * both factor matrices); it is deliberately conservative, and PIO_TRAIN_BYTES_PER_EVENT tunes it.
 */
export const TRAINING_BASE_BYTES = 128 * MiB;
export const DEFAULT_TRAINING_BYTES_PER_EVENT = 400;

export interface TrainingMemoryEstimate {
  appName: string;
  events: number;
  bytesPerEvent: number;
  neededBytes: number;
  limitBytes: number;
  limitSource: string;
}

/**
 * Pre-flight check of `pio train`: counts the app's events (one COUNT, nothing loaded) and refuses a
 * training whose estimate exceeds the memory limit, with one line naming the events, the estimate, the
 * limit and the settings to change, instead of an out-of-memory kill after minutes of reading. Engines
 * whose data source names no app (`appName`, else PIO_EVENTSERVER_APP_NAME) are not checked.
 */
export async function checkTrainingMemory(
  storage: Storage,
  appName: string | undefined,
  env: NodeJS.ProcessEnv,
  probe: MemoryProbe = {},
): Promise<TrainingMemoryEstimate | undefined> {
  if (!setting('PIO_TRAIN_MEMORY_CHECK', env)) return undefined;
  const name = appName ?? env.PIO_EVENTSERVER_APP_NAME;
  if (!name) return undefined;
  const app = await storage.apps.getByName(name);
  if (!app) return undefined; // the data source reports the unknown app in its own words
  const events = await storage.events.count({ appId: app.id });
  const bytesPerEvent = setting('PIO_TRAIN_BYTES_PER_EVENT', env) ?? DEFAULT_TRAINING_BYTES_PER_EVENT;
  const explicit = setting('PIO_MEMORY_LIMIT', env);
  const limit = explicit !== undefined ? { bytes: explicit, source: 'PIO_MEMORY_LIMIT' } : await readMemoryLimit(probe);
  const estimate: TrainingMemoryEstimate = {
    appName: name,
    events,
    bytesPerEvent,
    neededBytes: TRAINING_BASE_BYTES + events * bytesPerEvent,
    limitBytes: limit.bytes,
    limitSource: limit.source,
  };
  if (estimate.neededBytes > estimate.limitBytes) throw new EngineWorkflowError(refusal(estimate), { logger: LOGGER });
  return estimate;
}

function refusal(estimate: TrainingMemoryEstimate): string {
  return (
    `Training on ${estimate.events.toLocaleString('en-US')} events of app ${estimate.appName} needs about ${formatBytes(estimate.neededBytes)} ` +
    `(${formatBytes(TRAINING_BASE_BYTES)} + ${estimate.bytesPerEvent} bytes per event), more than the ${formatBytes(estimate.limitBytes)} ` +
    `memory limit (${estimate.limitSource}); no events were read. Use a larger dyno or raise PIO_MEMORY_LIMIT ` +
    `(PIO_TRAIN_BYTES_PER_EVENT tunes the estimate, PIO_TRAIN_MEMORY_CHECK=false skips this check).`
  );
}

export function describeTrainingMemory(estimate: TrainingMemoryEstimate): string {
  return `Memory check: ${estimate.events.toLocaleString('en-US')} events, about ${formatBytes(estimate.neededBytes)} of ${formatBytes(estimate.limitBytes)} (${estimate.limitSource}).`;
}

type Checked = 'PIO_TRAIN_MEMORY_CHECK' | 'PIO_TRAIN_BYTES_PER_EVENT' | 'PIO_MEMORY_LIMIT';

/** A variable parsed by its schema; an invalid value is an error naming it (the edge of `pio train`). */
function setting<N extends Checked>(name: N, env: NodeJS.ProcessEnv): ReturnType<(typeof ENV_VARIABLES)[N]['schema']['parse']> {
  const result = ENV_VARIABLES[name].schema.safeParse(env[name]);
  if (!result.success) {
    const message = result.error.issues[0]?.message ?? 'is invalid';
    throw new EngineWorkflowError(`${name}="${env[name]}" ${message} (e.g. ${name}=${ENV_VARIABLES[name].example}).`, { logger: LOGGER });
  }
  return result.data as ReturnType<(typeof ENV_VARIABLES)[N]['schema']['parse']>;
}
