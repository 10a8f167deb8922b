import { join } from 'node:path';
import { pgConnectionFromDatabaseUrl } from '../config/database-url.js';
import { planSparkMemory } from '../config/spark-args.js';
import { s3SigV4SparkArgs } from '../config/s3.js';
import { isExecutable, pathExists } from '../lib/fs-checks.js';
import type { Output } from '../lib/output.js';
import type { ReleaseStateStore } from './release-state.js';
import { runChild } from './run-child.js';
import type { RuntimeContext } from './runtime-config.js';

/** Paths of the data hooks, relative to the app root (DATA.md). */
export const DATA_HOOKS = {
  initialHook: 'data/create-initial-events',
  initialFile: 'data/initial-events.json',
  syncHook: 'data/create-sync-events',
  syncFile: 'data/sync-events.json',
} as const;

/**
 * How loading data ended. `transient` keeps the original's exit-3 contract: configuration is missing,
 * so the release skips training and succeeds; setting the variable creates a release that retries.
 */
export type LoadDataOutcome =
  | { kind: 'done' }
  | { kind: 'transient'; message: string }
  | { kind: 'failed'; exitCode: number; message: string };

export const TRANSIENT_EXIT_CODE = 3;

export function exitCodeOf(outcome: LoadDataOutcome): number {
  if (outcome.kind === 'done') return 0;
  return outcome.kind === 'transient' ? TRANSIENT_EXIT_CODE : outcome.exitCode;
}

/** `App ID: 7` (app show), `ID: 7` (app new): the first id-looking label wins. */
export function parseAppId(pioOutput: string): number | undefined {
  const match = /\bID:\s*(\d+)/i.exec(pioOutput);
  return match ? Number(match[1]) : undefined;
}

/**
 * Runs `fn` inside the app's release session: the release-state store on its own PostgreSQL connection,
 * holding the app's release lock until `fn` ends, so overlapping releases of one app run one after the
 * other (the later one says it waits). Without DATABASE_URL or PIO_EVENTSERVER_APP_NAME there is no
 * state to share and nothing to lock: `fn` gets `undefined` (loading data then reports what is missing).
 */
export async function withReleaseSession<T>(
  runtime: RuntimeContext,
  output: Output,
  fn: (store: ReleaseStateStore | undefined) => Promise<T>,
): Promise<T> {
  const databaseUrl = runtime.childEnv.DATABASE_URL?.trim();
  const appName = runtime.config.values.PIO_EVENTSERVER_APP_NAME;
  if (!databaseUrl || !appName) return fn(undefined);
  // pg only loads when a release really runs (web and `pio-deploy --help` never need it).
  const { ReleaseStateStore } = await import('./release-state.js');
  const store = await ReleaseStateStore.open(
    pgConnectionFromDatabaseUrl(databaseUrl, { optionalSsl: runtime.config.values.PIO_POSTGRES_OPTIONAL_SSL }),
  );
  try {
    await store.lockRelease(appName, {
      onWait: () => output.detail(`Waiting for the other release of '${appName}' to finish (one release phase at a time per app).`),
    });
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * The data-hook state machine (DATA.md), run inside the release session (`withReleaseSession`).
 * Differences from the original, on purpose:
 * - an initial import that did not complete (state `pending` in PostgreSQL, or an app without events
 *   and without a record) is done again by the next release, after clearing partial data;
 * - an app with only a sync hook is created and synced, instead of importing a file that does not exist.
 */
export async function loadData(
  runtime: RuntimeContext,
  output: Output,
  store: ReleaseStateStore | undefined,
): Promise<LoadDataOutcome> {
  const { appDir, config } = runtime;
  const present = await presentHooks(appDir);
  if (!hasAnyHook(present)) {
    output.detail('No data hooks (data/initial-events.json, data/create-initial-events, data/create-sync-events).');
    return { kind: 'done' };
  }
  const missing = missingDataConfiguration(runtime);
  if (missing || !store) return { kind: 'transient', message: missing ?? 'DATABASE_URL is required to load data.' };
  const appName = config.values.PIO_EVENTSERVER_APP_NAME as string;
  return new DataLoader(runtime, output, store, appName, present).run();
}

/**
 * The configuration loading data needs before it can start; what is missing makes the release phase
 * skip training (the transient exit 3) until it is set.
 */
export function missingDataConfiguration(runtime: Pick<RuntimeContext, 'childEnv' | 'config'>): string | undefined {
  if (!runtime.childEnv.DATABASE_URL?.trim()) {
    return 'DATABASE_URL is required to load data. Attach PostgreSQL (heroku addons:create heroku-postgresql).';
  }
  if (!runtime.config.values.PIO_EVENTSERVER_APP_NAME) {
    return 'PIO_EVENTSERVER_APP_NAME is required to load data. Set it to the PredictionIO app name.';
  }
  return undefined;
}

/** Whether the app has any data hook, i.e. whether the release phase loads data before training. */
export async function hasDataHooks(appDir: string): Promise<boolean> {
  return hasAnyHook(await presentHooks(appDir));
}

function hasAnyHook(present: PresentHooks): boolean {
  return present.initialHook || present.initialFile || present.syncHook;
}

type PresentHooks = Record<keyof typeof DATA_HOOKS, boolean>;

async function presentHooks(appDir: string): Promise<PresentHooks> {
  const entries = await Promise.all(
    Object.entries(DATA_HOOKS).map(async ([key, path]) => [key, await pathExists(join(appDir, path))] as const),
  );
  return Object.fromEntries(entries) as PresentHooks;
}

class DataLoader {
  private readonly eventNamespace: string;

  constructor(
    private readonly runtime: RuntimeContext,
    private readonly output: Output,
    private readonly store: ReleaseStateStore,
    private readonly appName: string,
    private readonly present: PresentHooks,
  ) {
    this.eventNamespace = runtime.config.values.PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME ?? 'pio_event';
  }

  async run(): Promise<LoadDataOutcome> {
    // A probe: "does not exist" is an expected answer on the first release, so its output stays quiet.
    const show = await this.pio(['app', 'show', this.appName], { capture: true, echo: false });
    if (show.exitCode !== 0) return this.createApp();

    const appId = parseAppId(show.stdout);
    if (appId === undefined) {
      return failed(1, `Could not find the app id of '${this.appName}' in the output of pio app show.`);
    }
    this.output.detail(`Found app '${this.appName}' (ID ${appId}).`);
    const record = await this.store.initialImport(this.appName);
    const recorded = record?.appId === appId ? record.status : undefined;
    if (recorded === 'completed') return this.sync(appId);
    if (recorded === 'pending') {
      this.output.detail(`The initial import into '${this.appName}' did not complete in an earlier release; importing again.`);
      return this.initialImport(appId, true);
    }
    // No record for this app id: created by hand, by an event server, or by an older buildpack.
    if (!this.hasInitialData()) return this.sync(appId);
    if (await this.store.hasEvents(this.eventNamespace, appId)) {
      this.output.detail(`'${this.appName}' already has events; its initial data counts as loaded.`);
      await this.store.recordInitialImport(this.appName, appId, 'completed');
      return this.sync(appId);
    }
    this.output.detail(`'${this.appName}' exists but has no events yet; importing the initial data.`);
    return this.initialImport(appId, false);
  }

  private async createApp(): Promise<LoadDataOutcome> {
    const accessKey = this.runtime.config.values.PIO_EVENTSERVER_ACCESS_KEY;
    if (!accessKey) {
      return {
        kind: 'transient',
        message: `PIO_EVENTSERVER_ACCESS_KEY is required to create the PredictionIO app '${this.appName}'. Set it to a new secret key.`,
      };
    }
    this.output.topic(`Creating PredictionIO app '${this.appName}'`);
    const created = await this.pio(['app', 'new', '--access-key', accessKey, this.appName], { capture: true });
    if (created.exitCode !== 0) return failed(created.exitCode, `pio app new ${this.appName} failed.`);
    const appId = parseAppId(created.stdout);
    if (appId === undefined) return failed(1, `Could not find the id of the new app '${this.appName}' in pio app new's output.`);
    return this.initialImport(appId, false);
  }

  private hasInitialData(): boolean {
    return this.present.initialHook || this.present.initialFile;
  }

  private async initialImport(appId: number, retry: boolean): Promise<LoadDataOutcome> {
    if (!this.hasInitialData()) {
      // Only a sync hook: there is no initial data, so the first sync is the initial load.
      await this.store.recordInitialImport(this.appName, appId, 'completed');
      return this.sync(appId);
    }
    await this.store.recordInitialImport(this.appName, appId, 'pending');
    if (retry && (await this.store.hasEvents(this.eventNamespace, appId))) {
      this.output.detail('Deleting the partially imported events first.');
      const purge = await this.pio(['app', 'data-delete', '-f', this.appName]);
      if (purge.exitCode !== 0) return failed(purge.exitCode, `pio app data-delete ${this.appName} failed.`);
    }
    if (this.present.initialHook) {
      const hook = await this.hook(DATA_HOOKS.initialHook);
      if (hook) return hook;
      if (!(await pathExists(join(this.runtime.appDir, DATA_HOOKS.initialFile)))) {
        return failed(1, `${DATA_HOOKS.initialHook} finished without writing ${DATA_HOOKS.initialFile}.`);
      }
    }
    this.output.topic(`Importing initial events into '${this.appName}' (app id ${appId})`);
    const imported = await this.import(appId, DATA_HOOKS.initialFile);
    if (imported !== 0) {
      return failed(imported, `pio import of ${DATA_HOOKS.initialFile} failed; the next release imports the initial events again.`);
    }
    await this.store.recordInitialImport(this.appName, appId, 'completed');
    return { kind: 'done' };
  }

  private async sync(appId: number): Promise<LoadDataOutcome> {
    if (!this.present.syncHook) {
      this.output.detail(`Found PredictionIO app '${this.appName}' with its initial data; no sync hook, nothing to load.`);
      return { kind: 'done' };
    }
    const hook = await this.hook(DATA_HOOKS.syncHook);
    if (hook) return hook;
    if (!(await pathExists(join(this.runtime.appDir, DATA_HOOKS.syncFile)))) {
      this.output.detail(`No event data found to import (${DATA_HOOKS.syncFile} was not written).`);
      return { kind: 'done' };
    }
    if (this.runtime.config.values.PIO_PURGE_EVENTS_ON_SYNC) {
      this.output.topic(`Deleting the events of '${this.appName}' before the sync (PIO_PURGE_EVENTS_ON_SYNC=true)`);
      const purge = await this.pio(['app', 'data-delete', '-f', this.appName]);
      if (purge.exitCode !== 0) return failed(purge.exitCode, `pio app data-delete ${this.appName} failed.`);
    }
    this.output.topic(`Importing sync events into '${this.appName}' (app id ${appId})`);
    const imported = await this.import(appId, DATA_HOOKS.syncFile);
    return imported === 0 ? { kind: 'done' } : failed(imported, `pio import of ${DATA_HOOKS.syncFile} failed.`);
  }

  /** Runs a hook executable (no shell); undefined when it succeeded. */
  private async hook(path: string): Promise<LoadDataOutcome | undefined> {
    const absolute = join(this.runtime.appDir, path);
    if (!(await isExecutable(absolute))) {
      return failed(1, `${path} is not executable. Run \`chmod +x ${path}\`, commit and deploy again.`);
    }
    this.output.topic(`Running ${path}`);
    let exitCode: number;
    try {
      ({ exitCode } = await runChild({
        command: absolute,
        argv: [],
        cwd: this.runtime.appDir,
        env: this.runtime.childEnv,
        secrets: this.runtime.secrets,
        indent: true,
      }));
    } catch (error) {
      return failed(1, `${path} could not be started (${(error as Error).message}); check its #! line.`);
    }
    return exitCode === 0 ? undefined : failed(exitCode, `${path} failed with exit code ${exitCode}.`);
  }

  private async import(appId: number, file: string): Promise<number> {
    // `pio import` runs Spark too: size its driver like training (the original gave it nothing).
    const memory = await planSparkMemory(this.runtime.config);
    const spark = ['--driver-memory', `${memory.driverMb}m`, ...(this.runtime.config.awsRegion ? s3SigV4SparkArgs() : [])];
    const result = await this.pio(['import', '--appid', String(appId), '--input', file, '--', ...spark]);
    return result.exitCode;
  }

  private pio(argv: string[], options: { capture?: boolean; echo?: boolean } = {}) {
    return runChild({
      command: this.runtime.pio,
      argv,
      cwd: this.runtime.appDir,
      env: this.runtime.childEnv,
      secrets: this.runtime.secrets,
      indent: true,
      stopWithParent: true,
      ...options,
    });
  }
}

/** A failure never exits 0, nor 3: 3 means "transient, retry on the next release" to callers. */
function failed(exitCode: number, message: string): LoadDataOutcome {
  return { kind: 'failed', exitCode: exitCode === 0 || exitCode === TRANSIENT_EXIT_CODE ? 1 : exitCode, message };
}
