import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUserError } from '../../lib/errors.js';
import type { SourceSettings, StorageSettings } from '../storage/index.js';
import { PioExit, pioLogger } from '../console/index.js';
import { nativeRuntimeVersion, PREDICTIONIO_COMPAT_VERSION } from '../version/index.js';

/**
 * `pio status` (BEHAVIOUR.md#pio-status): the installation, the runtime (in place of upstream's Spark check) and a
 * write test against every storage repository. Ends with `Your system is all ready to go.` on success.
 */

const management = pioLogger('Management$');
const storageLog = pioLogger('Storage$');

/** The directory `bin/pio` lives in, one level up: what upstream calls the PredictionIO home. */
function installDir(): string {
  return dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));
}

function describeSource(source: SourceSettings): string {
  if (source.type === 'localfs') return `${source.name}: localfs at ${source.path}`;
  if (source.origin === 'embedded') {
    return `${source.name}: ${source.displayUrl} (no PIO_STORAGE_SOURCES_${source.name}_URL or DATABASE_URL set)`;
  }
  const origin = source.origin === 'pio-env' ? `from PIO_STORAGE_SOURCES_${source.name}_*` : 'from DATABASE_URL';
  return `${source.name}: jdbc ${source.displayUrl} (${origin})`;
}

function logSettings(settings: StorageSettings, log: (line: string) => void): void {
  for (const [key, repository] of Object.entries(settings.repositories)) {
    log(`Repository ${key}: namespace ${repository.name}, source ${repository.source}`);
  }
  for (const source of Object.values(settings.sources)) log(`Source ${describeSource(source)}`);
}

export async function runStatus(): Promise<void> {
  management.info('Inspecting PredictionIO...');
  management.info(`PredictionIO ${PREDICTIONIO_COMPAT_VERSION} is installed at ${installDir()}`);
  management.info('Inspecting the native runtime...');
  management.info(
    `Native runtime: pio-deploy ${nativeRuntimeVersion()} on Node.js ${process.versions.node} (Apache Spark is not required)`,
  );
  management.info('Inspecting storage backend connections...');
  const storageModule = await import('../storage/index.js');
  let settings: StorageSettings | undefined;
  try {
    settings = storageModule.resolveStorageSettings(process.env);
    logSettings(settings, (line) => management.info(line));
    const storage = await storageModule.openStorage(settings, { log: (line) => management.info(line) });
    try {
      await storage.verify((line) => storageLog.info(line));
    } finally {
      await storage.close();
    }
    const embedded = Object.values(settings.sources).some((source) => source.type === 'jdbc' && source.origin === 'embedded');
    if (embedded) {
      const state = await storageModule.embeddedPostgresStatus(settings.pioHome);
      management.info(
        `Embedded PostgreSQL${state.version ? ` ${state.version}` : ''}: ${state.running ? 'running' : 'stopped'}` +
          `${state.port ? ` on port ${state.port}` : ''}${state.pid ? ` (pid ${state.pid})` : ''}, data in ${state.dataDir}`,
      );
    }
  } catch (error) {
    management.error('Unable to connect to all storage backends successfully.');
    management.error(error instanceof Error ? error.message : String(error));
    if (isUserError(error) && error.hint) management.error(error.hint);
    if (settings) {
      management.error('Configured storage:');
      logSettings(settings, (line) => management.error(line));
    }
    throw new PioExit(1);
  }
  management.info('Your system is all ready to go.');
}
