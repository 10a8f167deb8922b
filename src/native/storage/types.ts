// The values storage reads and writes and the repository interfaces other areas code against. Types
// only: every part of storage imports them from here, and index.ts re-exports them.

// ---------------------------------------------------------------------------------------------------
// JSON and events
// ---------------------------------------------------------------------------------------------------

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Identifies one event table: the app's default channel (`channelId` absent) or one of its channels. */
export interface EventScope {
  appId: number;
  channelId?: number | undefined;
}

/** Who did what to whom: the fields every representation of an event shares (stored, validated, rendered, read by engines). */
export interface EventSubject {
  event: string;
  entityType: string;
  entityId: string;
  targetEntityType?: string | undefined;
  targetEntityId?: string | undefined;
}

/**
 * An event to write. Times are instants (`Date`, millisecond precision) plus the zone id to emit them in
 * (`UTC`, a fixed offset like `-08:00`, or a named zone): the zone is stored in the `*timezone` column.
 */
export interface EventInput extends EventSubject {
  /** Client-supplied id (≤ 32 chars, stored verbatim); absent → 32 lowercase hex chars (random UUID). */
  eventId?: string | undefined;
  /** Default `{}`. */
  properties?: JsonObject | undefined;
  /**
   * Compact JSON text written verbatim instead of `JSON.stringify(properties)` (lets a lossless JSON
   * parser keep `5.0`/big integers byte-exact). Must encode the same object as `properties`.
   */
  propertiesText?: string | undefined;
  /** Default: `creationTime`. */
  eventTime?: Date | undefined;
  /** Default `UTC`. */
  eventTimeZone?: string | undefined;
  /** Stored comma-joined; NULL when empty. Not accepted by the REST API, but engines/tools may set it. */
  tags?: readonly string[] | undefined;
  prId?: string | undefined;
  /** Default: now. Always UTC. */
  creationTime?: Date | undefined;
}

/** An event as stored and returned (BEHAVIOUR.md#event-fields); absent optional fields are `undefined`, never null. */
export interface StoredEvent extends EventSubject {
  eventId: string;
  /** Parsed `properties` column (NULL reads as `{}`). */
  properties: JsonObject;
  /** The column's raw text (`{}` when NULL), for byte-exact re-emission. */
  propertiesText: string;
  eventTime: Date;
  eventTimeZone: string;
  tags: string[];
  prId?: string | undefined;
  creationTime: Date;
  creationTimeZone: string;
}

/**
 * Event filters (BEHAVIOUR.md#event-queries). Target filters are three-state: `undefined` = no condition, `null` = the
 * event must have no target (`IS NULL`), a string = equality.
 */
export interface EventQuery {
  /** Inclusive: `eventTime >= startTime`. */
  startTime?: Date | undefined;
  /** Exclusive: `eventTime < untilTime`. */
  untilTime?: Date | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
  /** Any of these entity ids (with `entityId`, both must match); an empty array matches nothing. */
  entityIds?: readonly string[] | undefined;
  /** Any of these event names (empty array or undefined = all). */
  eventNames?: readonly string[] | undefined;
  targetEntityType?: string | null | undefined;
  targetEntityId?: string | null | undefined;
  /** undefined or negative (e.g. -1) = unlimited; 0 = nothing. */
  limit?: number | undefined;
  /** `true` = newest first. Order is eventTime, then id (deterministic ties). */
  reversed?: boolean | undefined;
}

/** What `events.latestTargets` reads: the newest events' targets of some entities. */
export interface LatestTargetsQuery {
  entityType: string;
  entityIds: readonly string[];
  /** Event names to read, each with the most events to return per entity (undefined = all). */
  eventNames: ReadonlyArray<{ name: string; limit?: number | undefined }>;
}

/** One event of `latestTargets`: only what a realtime history needs. */
export interface TargetEvent {
  entityId: string;
  event: string;
  targetEntityId: string;
}

/** What `events.readColumns` reads: the event filters, plus the one numeric property to decode. */
export interface ColumnQuery extends Omit<EventQuery, 'limit' | 'reversed'> {
  /** A property read into `value` where it is a JSON number (NaN where it is absent or not a number). */
  numericProperty?: string | undefined;
  /** Rows in `find`'s order (eventTime, then id); costs a sort. Default: the table's order. */
  ordered?: boolean | undefined;
}

/**
 * Matching events as columns (row `i` across the arrays): entity and target ids as indexes into
 * `entityIds`/`targetIds` (target -1 = none), event names as indexes into `eventNames`, the numeric
 * property, and event times in epoch milliseconds.
 */
export interface EventColumns {
  size: number;
  entity: Int32Array;
  target: Int32Array;
  event: Uint8Array | Int32Array;
  value: Float64Array;
  time: Float64Array;
  entityIds: string[];
  targetIds: string[];
  eventNames: string[];
}

/** Entity properties derived from `$set`/`$unset`/`$delete` (BEHAVIOUR.md#property-aggregation). */
export interface PropertyMap {
  fields: JsonObject;
  firstUpdated: Date;
  firstUpdatedZone: string;
  lastUpdated: Date;
  lastUpdatedZone: string;
}

export interface AggregateOptions {
  /** Only entities whose final fields contain all these keys (empty = no filter). */
  required?: readonly string[] | undefined;
}

export interface AggregateQuery extends AggregateOptions {
  entityType: string;
  startTime?: Date | undefined;
  untilTime?: Date | undefined;
}

/** The minimal event shape aggregation reads (a `StoredEvent` qualifies). */
export interface AggregatableEvent {
  event: string;
  entityId: string;
  properties: JsonObject;
  eventTime: Date;
  eventTimeZone: string;
}

/**
 * What storing one event with `insertEach` (or the group-commit writer) did: `created`; `duplicate`, its
 * client-given id was stored before with the same content (a retry: nothing new is stored); `conflict`,
 * the id is taken by an event with other content (nothing is stored).
 */
export type InsertOutcome = 'created' | 'duplicate' | 'conflict';

export interface InsertResult {
  eventId: string;
  outcome: InsertOutcome;
}

/** Result of `events.importStream`. */
export interface ImportResult {
  count: number;
}

/**
 * Coalesces concurrent single-event inserts into one COPY per table and transaction
 * (group commit). Each `insert` resolves with the event id only after its COMMIT (or at once when the
 * same event was stored under its client-given id before, see `InsertOutcome`); an id taken by other
 * content rejects with `EventIdConflictError`. If the batch fails because of one bad event only that
 * caller gets the error; if the database fails, every waiting caller does.
 */
export interface GroupCommitWriter {
  insert(scope: EventScope, event: EventInput): Promise<string>;
  /** Waits for in-flight batches; later inserts are rejected. */
  close(): Promise<void>;
}

export interface GroupCommitOptions {
  /** Most events in one batch (default 500). */
  maxBatchSize?: number;
  /** Most events waiting for a batch; beyond it inserts fail with `StorageUnavailableError` (default 10,000). */
  maxQueuedEvents?: number;
  /** Most batches committing at the same time, across tables (one per table; default: pool size - 1, at least 1). */
  maxConcurrentBatches?: number;
  /** Told about batches and shed inserts (metrics); storage itself keeps no counters. */
  observer?: GroupCommitObserver | undefined;
}

/** What a group-commit writer reports as it works; every callback is optional and must not throw. */
export interface GroupCommitObserver {
  /** A batch of `size` events leaves the queue; `queued` events are still waiting. */
  batchStarted?(size: number, queued: number): void;
  /** These events of one scope are committed. */
  committed?(scope: EventScope, events: readonly EventInput[]): void;
  /** An insert was refused because `queued` events are already waiting (answered 503). */
  shed?(queued: number): void;
}

export interface EventsRepository {
  /** The table name for a scope, e.g. `pio_event_1` or `pio_event_1_2`. */
  tableName(scope: EventScope): string;
  /**
   * The longest `event`, `entityType` and `entityId` the tables store, in characters: 255 with
   * INDEX=enabled (`varchar(255)` columns), undefined (no limit) for the `text` layout.
   */
  readonly maxKeyLength: number | undefined;
  /** CREATE TABLE IF NOT EXISTS (+ indexes when INDEX=enabled). */
  init(scope: EventScope): Promise<void>;
  /** DROP TABLE; fails if it does not exist (as upstream). */
  remove(scope: EventScope): Promise<void>;
  exists(scope: EventScope): Promise<boolean>;
  /** Returns the event id once committed. */
  insert(scope: EventScope, event: EventInput): Promise<string>;
  /**
   * All rows in one statement/transaction; ids in input order. A client-given id stored before with the
   * same content counts as stored (a retry); one taken by other content fails the whole call with
   * `EventIdConflictError`.
   */
  insertBatch(scope: EventScope, events: readonly EventInput[]): Promise<string[]>;
  /**
   * The rows in one transaction, each with its own outcome: conflicting client-given ids are left out
   * and reported, the rest is stored (the REST batch answers per event).
   */
  insertEach(scope: EventScope, events: readonly EventInput[]): Promise<InsertResult[]>;
  get(scope: EventScope, eventId: string): Promise<StoredEvent | undefined>;
  /** true when a row was deleted. */
  delete(scope: EventScope, eventId: string): Promise<boolean>;
  find(scope: EventScope, query?: EventQuery): Promise<StoredEvent[]>;
  /**
   * The targets of some entities' newest events (events without a target are left out), newest first per
   * entity, at most the given number per event name: a realtime user history (the Universal
   * Recommender's) without decoding whole rows.
   */
  latestTargets(scope: EventScope, query: LatestTargetsQuery): Promise<TargetEvent[]>;
  /** Streams matching events through a server-side cursor (constant memory; for export and bulk reads). */
  stream(scope: EventScope, query?: EventQuery): AsyncIterable<StoredEvent>;
  /**
   * Matching events as typed-array columns for training, read with one binary COPY TO (filters in SQL,
   * bounded memory while streaming, ids interned).
   */
  readColumns(scope: EventScope, query?: ColumnQuery): Promise<EventColumns>;
  /**
   * Bulk import for `pio import`: streams rows with COPY FROM STDIN inside one transaction (all or
   * nothing). Empty properties are written as NULL, as upstream's import does.
   */
  importStream(scope: EventScope, events: AsyncIterable<EventInput> | Iterable<EventInput>): Promise<ImportResult>;
  /**
   * The same bulk import for rows the caller already encoded (binary COPY rows from `CopyRowWriter`,
   * e.g. with `writeImportRow`): lets `pio import` encode a read chunk at a time, without per-event
   * iteration. Storage adds the COPY header and trailer.
   */
  importRows(scope: EventScope, rows: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void>;
  /** Counts matching events without fetching them. */
  count(scope: EventScope, query?: EventQuery): Promise<number>;
  /** `PEventStore.aggregateProperties` on this table (BEHAVIOUR.md#aggregation-input selection + BEHAVIOUR.md#aggregation-rules semantics). */
  aggregateProperties(scope: EventScope, query: AggregateQuery): Promise<Map<string, PropertyMap>>;
  createGroupCommitWriter(options?: GroupCommitOptions): GroupCommitWriter;
}

// ---------------------------------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------------------------------

export interface App {
  id: number;
  name: string;
  description?: string | undefined;
}

export interface AppsRepository {
  /** Inserts with `id` when given (explicit id, sequence advanced past it), else serial. Returns the id. */
  insert(app: { id?: number | undefined; name: string; description?: string | undefined }): Promise<number>;
  get(id: number): Promise<App | undefined>;
  getByName(name: string): Promise<App | undefined>;
  /** Ordered by id. */
  getAll(): Promise<App[]>;
  update(app: App): Promise<void>;
  delete(id: number): Promise<void>;
}

export interface AccessKey {
  key: string;
  appId: number;
  /** Allowed event names; empty = all events. */
  events: string[];
}

export interface AccessKeysRepository {
  /** Stores `key` as given, or generates a 64-char URL-safe key (BEHAVIOUR.md#identifiers) when absent/empty. Returns the key. */
  insert(accessKey: { key?: string | undefined; appId: number; events?: readonly string[] | undefined }): Promise<string>;
  get(key: string): Promise<AccessKey | undefined>;
  /** Storage order. */
  getAll(): Promise<AccessKey[]>;
  getByAppId(appId: number): Promise<AccessKey[]>;
  update(accessKey: AccessKey): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface Channel {
  id: number;
  name: string;
  appId: number;
}

export interface ChannelsRepository {
  insert(channel: { id?: number | undefined; name: string; appId: number }): Promise<number>;
  get(id: number): Promise<Channel | undefined>;
  /** Ordered by id. */
  getByAppId(appId: number): Promise<Channel[]>;
  delete(id: number): Promise<void>;
}

export interface EngineInstance {
  /** Canonical 36-char lowercase UUID. */
  id: string;
  /** `INIT`, `COMPLETED`, or ours: `ABORTED` (an INIT whose trainer is gone, see `abortOrphanedTrainings`), `GATED` (trained, refused by the promotion gate). */
  status: string;
  startTime: Date;
  endTime: Date;
  engineId: string;
  engineVersion: string;
  engineVariant: string;
  engineFactory: string;
  batch: string;
  /** Stored as `K1=V1,K2=V2`. */
  env: Record<string, string>;
  sparkConf: Record<string, string>;
  /** Compact JSON text (BEHAVIOUR.md#value-encodings), e.g. `{"":{"appName":"MyApp1"}}`. */
  dataSourceParams: string;
  preparatorParams: string;
  /** Compact JSON array text, e.g. `[{"als":{"rank":10}}]`. */
  algorithmsParams: string;
  servingParams: string;
}

export interface EngineInstancesRepository {
  /** Generates the id when `id` is empty/absent; returns it. */
  insert(instance: Omit<EngineInstance, 'id'> & { id?: string | undefined }): Promise<string>;
  get(id: string): Promise<EngineInstance | undefined>;
  getAll(): Promise<EngineInstance[]>;
  /** COMPLETED instances of this engine, newest `startTime` first. */
  getCompleted(engineId: string, engineVersion: string, engineVariant: string): Promise<EngineInstance[]>;
  getLatestCompleted(engineId: string, engineVersion: string, engineVariant: string): Promise<EngineInstance | undefined>;
  update(instance: EngineInstance): Promise<void>;
  delete(id: string): Promise<void>;
  /**
   * Marks the training of instance `id` as alive until `release()` or the end of the process (a
   * session-level advisory lock on its own connection); take it before inserting the INIT row.
   */
  holdTraining(id: string): Promise<{ release(): Promise<void> }>;
  /**
   * Marks this engine's INIT instances whose trainer is gone (killed, crashed, or finished without
   * completing) as `ABORTED`, so nothing takes them for a training in progress; returns their ids.
   */
  abortOrphanedTrainings(engineId: string, engineVersion: string, engineVariant: string): Promise<string[]>;
}

export interface EvaluationInstance {
  id: string;
  /** `''` while running, `EVALCOMPLETED` when done. */
  status: string;
  startTime: Date;
  endTime: Date;
  evaluationClass: string;
  engineParamsGeneratorClass: string;
  batch: string;
  env: Record<string, string>;
  sparkConf: Record<string, string>;
  evaluatorResults: string;
  evaluatorResultsHTML: string;
  evaluatorResultsJSON: string;
}

export interface EvaluationInstancesRepository {
  insert(instance: Omit<EvaluationInstance, 'id'> & { id?: string | undefined }): Promise<string>;
  get(id: string): Promise<EvaluationInstance | undefined>;
  getAll(): Promise<EvaluationInstance[]>;
  /** EVALCOMPLETED instances, newest `startTime` first. */
  getCompleted(): Promise<EvaluationInstance[]>;
  update(instance: EvaluationInstance): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface Model {
  /** The engine instance id. */
  id: string;
  models: Uint8Array;
}

export interface ModelsRepository {
  insert(model: Model): Promise<void>;
  get(id: string): Promise<Model | undefined>;
  delete(id: string): Promise<void>;
}

/** The engine an instance was trained for: the key of a serving pin. */
export interface ServedEngine {
  engineId: string;
  engineVersion: string;
  engineVariant: string;
}

export interface ServingPin {
  engineInstanceId: string;
  pinnedAt: Date;
}

/**
 * Which engine instance serves an engine when it must not be the newest COMPLETED one (`pio-deploy
 * models pin`). Kept in a table of ours, so Apache PredictionIO reading the same database is unaffected.
 */
export interface ServingPinsRepository {
  get(engine: ServedEngine): Promise<ServingPin | undefined>;
  set(engine: ServedEngine, engineInstanceId: string): Promise<void>;
  /** Returns whether there was a pin. */
  clear(engine: ServedEngine): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------------

export interface Storage {
  readonly settings: StorageSettings;
  apps: AppsRepository;
  accessKeys: AccessKeysRepository;
  channels: ChannelsRepository;
  events: EventsRepository;
  engineInstances: EngineInstancesRepository;
  evaluationInstances: EvaluationInstancesRepository;
  models: ModelsRepository;
  servingPins: ServingPinsRepository;
  /**
   * `pio status` storage check (BEHAVIOUR.md#pio-status): touches every meta/model table (creating them), then
   * creates app 0's event table, writes one event and drops it. Calls `log` with each console line text.
   */
  verify(log?: (line: string) => void): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------

export type RepositoryKey = 'METADATA' | 'EVENTDATA' | 'MODELDATA';

export interface RepositorySettings {
  /** Namespace = table-name prefix, e.g. `pio_meta`. */
  name: string;
  /** Source name, e.g. `PGSQL`. */
  source: string;
}

/** How to reach a PostgreSQL server (the `pg` client config, minus pool sizing). */
export interface PgConnectionSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** `false` = plain; `prefer` = try TLS, fall back to plain; object = TLS with these options. */
  ssl: false | 'prefer' | { rejectUnauthorized: boolean };
  /** Further hosts of a multi-host JDBC URL, tried in order when the first cannot be reached. */
  fallbackHosts: Array<{ host: string; port: number }>;
  connectTimeoutMillis?: number | undefined;
  applicationName?: string | undefined;
}

export interface JdbcSourceSettings {
  name: string;
  type: 'jdbc';
  /** Where the connection came from, for `pio status` and error messages (never includes secrets). */
  origin: 'pio-env' | 'database-url' | 'embedded';
  /** Display URL without credentials (JDBC URL, or `embedded:<PIO_HOME>`). */
  displayUrl: string;
  /** Undefined for `embedded` until `openStorage` starts/reuses the server. */
  connection: PgConnectionSettings | undefined;
  /** Pool size (CONNECTIONS, default 8). */
  connections: number;
  /** PARTITIONS (default 4); kept for compatibility, reads are not partitioned here. */
  partitions: number;
  /** INDEX=enabled → indexed event table variant. */
  index: boolean;
}

export interface LocalFsSourceSettings {
  name: string;
  type: 'localfs';
  origin: 'pio-env';
  /** Directory holding one file per model (`<namespace><id>`). */
  path: string;
}

export type SourceSettings = JdbcSourceSettings | LocalFsSourceSettings;

export interface StorageSettings {
  repositories: Record<RepositoryKey, RepositorySettings>;
  /** Keyed by source name (upper case, e.g. `PGSQL`). */
  sources: Record<string, SourceSettings>;
  /** `$PIO_HOME` (default `~/.pio`): the embedded server's data lives in `<pioHome>/pgdata`. */
  pioHome: string;
}
