import { UserError } from '../lib/errors.js';
import { hasDataHooks, missingDataConfiguration } from './data-hooks.js';
import type { RuntimeContext } from './runtime-config.js';

/**
 * What `pio deploy` prints, upstream and native alike, when no training of this engine and variant
 * completed (BEHAVIOUR.md#pio-deploy step 3). Seeing it, `pio-deploy web` explains why (BEHAVIOUR.md#untrained-release).
 */
export const NO_TRAINED_INSTANCE = /No valid engine instance found for engine /;

/**
 * Why there may be no completed training to serve, as far as this process's configuration tells: a web
 * dyno runs with the same config vars as the release phase that preceded it.
 */
export async function untrainedReasons(runtime: Pick<RuntimeContext, 'appDir' | 'config' | 'childEnv' | 'kind'>): Promise<string[]> {
  const values = runtime.config.values;
  const reasons: string[] = [];
  if (!values.PIO_TRAIN_ON_RELEASE) {
    reasons.push('The release phase skipped training because PIO_TRAIN_ON_RELEASE=false.');
  } else if (await hasDataHooks(runtime.appDir)) {
    const missing = missingDataConfiguration(runtime);
    if (missing) reasons.push(`The release phase skipped training because ${missing}`);
    else if (!values.PIO_EVENTSERVER_ACCESS_KEY) {
      reasons.push(
        `The release phase skips training while the PredictionIO app '${values.PIO_EVENTSERVER_APP_NAME}' does not exist, and creating it needs PIO_EVENTSERVER_ACCESS_KEY, which is not set.`,
      );
    }
  }
  if (runtime.kind === 'native' && !runtime.childEnv.PIO_STORAGE_SOURCES_PGSQL_URL?.trim()) {
    reasons.push(
      'No DATABASE_URL is set, so this process uses its own embedded PostgreSQL, which holds no training done in other dynos (such as the release phase). Attach PostgreSQL: heroku addons:create heroku-postgresql.',
    );
  }
  return reasons;
}

/** The error `pio-deploy web` ends with when pio deploy found nothing to serve; never exit 0. */
export function untrainedEngineError(reasons: readonly string[], pioExitCode: number): UserError {
  const why = reasons.length > 0 ? reasons : ['The release phase trains the engine; its output (heroku releases:output) shows why it did not.'];
  return new UserError(['No trained engine to serve: pio deploy found no completed training of this engine and variant.', ...why].join('\n'), {
    hint: 'Run pio-deploy train (on Heroku: heroku run train) and restart web, or set the missing config vars: that creates a release, which trains.',
    exitCode: pioExitCode === 0 ? 1 : pioExitCode,
  });
}
