import type { ColumnQuery, EventColumns, EventQuery, EventSubject } from '../storage/index.js';
import type { JavaDouble } from './java-double.js';

export type { JavaDouble, EventColumns };

/* eslint-disable @typescript-eslint/no-explicit-any -- the engine definition and metric defaults take
   `any` on purpose: an engine's concrete components and metrics must be assignable to them without casts,
   which `unknown` would refuse through their (contravariant) parameter types. */

/**
 * The DASE contracts an engine implements (BEHAVIOUR.md#dase-contracts): DataSource → Preparator → Algorithm(s) → Serving,
 * plus the context the runtime hands to every component. Spark's local/parallel split collapses into one
 * asynchronous API (BEHAVIOUR.md#local-and-parallel-components): every method may return a value or a promise.
 *
 * The runtime never uses `instanceof` on anything an engine hands it (the engine bundle carries its own
 * copy of this module), so everything here is structural.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A response body: JSON in which a number may be a `javaDouble(x)` marker (printed `0.0`, `1.0E-4`). */
export type PredictionJson = null | boolean | number | string | JavaDouble | PredictionJson[] | { [key: string]: PredictionJson };

export type MaybePromise<T> = T | Promise<T>;

/** A params (or query) schema: any object with zod's `safeParse` (zod 3 or 4 schemas qualify). */
export interface Schema<T> {
  safeParse(input: unknown):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options of the running workflow (`pio train` flags), as upstream's `WorkflowParams`. */
export interface WorkflowParams {
  batch: string;
  verbosity: number;
  skipSanityCheck: boolean;
  stopAfterRead: boolean;
  stopAfterPrepare: boolean;
}

/** Why the engine is being run: the same components serve training, evaluation and serving. */
export type RunMode = 'train' | 'eval' | 'deploy' | 'batchpredict' | 'build';

export interface EngineContext {
  /** Event data of the apps (BEHAVIOUR.md#engine-event-store). */
  events: EventStore;
  log: Logger;
  workflow: WorkflowParams;
  mode: RunMode;
  /** The engine instance being trained or served (empty during `pio build` and evaluation). */
  engineInstanceId: string;
}

// ---------------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------------

/** An event as engines read it (BEHAVIOUR.md#event-fields). Absent optional fields are `undefined`. */
export interface EngineEvent extends EventSubject {
  eventId: string;
  properties: JsonObject;
  eventTime: Date;
  /** Zone the event time was given in (`UTC`, `-08:00`, `America/Los_Angeles`). */
  eventTimeZone: string;
  tags: string[];
  prId?: string | undefined;
  creationTime: Date;
}

/**
 * Event filters. Target filters are three-state: `undefined` = no condition, `null` = the event must have
 * no target, a string = equality.
 */
export interface FindEventsQuery extends EventQuery {
  appName: string;
  channelName?: string | undefined;
}

export interface FindByEntityQuery extends Omit<FindEventsQuery, 'entityType' | 'entityId' | 'reversed'> {
  entityType: string;
  entityId: string;
  /** Newest first (default `true`), as `LEventStore.findByEntity`. */
  latest?: boolean | undefined;
}

/** `latestTargets`: one entity's newest events of some names, only their targets. */
export interface LatestTargetsQuery {
  appName: string;
  channelName?: string | undefined;
  entityType: string;
  entityId: string;
  /** The names to read, each with the most events to return (undefined = all of them). */
  eventNames: ReadonlyArray<{ name: string; limit?: number | undefined }>;
}

/** An event of `latestTargets`. */
export interface TargetOfEvent {
  event: string;
  targetEntityId: string;
}

/** `readColumns`'s filters (as `find`'s, without limit and order) and the numeric property to read. */
export interface ReadColumnsQuery extends ColumnQuery {
  appName: string;
  channelName?: string | undefined;
}

export interface AggregatePropertiesQuery {
  appName: string;
  entityType: string;
  channelName?: string | undefined;
  startTime?: Date | undefined;
  untilTime?: Date | undefined;
  /** Only entities having all these properties. */
  required?: readonly string[] | undefined;
}

export interface PropertyMap {
  fields: JsonObject;
  firstUpdated: Date;
  lastUpdated: Date;
}

/**
 * Read access to the event store (upstream's PEventStore/LEventStore). App and channel names resolve to
 * ids once per process; unknown names throw `Invalid app name <name>` / `Invalid channel name <name>`.
 */
export interface EventStore {
  /** All matching events (oldest first unless `reversed`). */
  find(query: FindEventsQuery): Promise<EngineEvent[]>;
  /** Matching events one at a time, in constant memory (large training sets). */
  stream(query: FindEventsQuery): AsyncIterable<EngineEvent>;
  /**
   * Matching events as typed-array columns (ids interned to indexes, one numeric property, times in
   * epoch ms), read at COPY speed: for training on millions of events.
   */
  readColumns(query: ReadColumnsQuery): Promise<EventColumns>;
  /** Low-latency lookup of one entity's events for use inside `predict`/`serve`. */
  findByEntity(query: FindByEntityQuery): Promise<EngineEvent[]>;
  /**
   * The targets of one entity's newest events (events without a target left out), newest first, at most
   * each name's limit: a realtime user history read at query time without decoding whole events.
   * Concurrent reads share one statement.
   */
  latestTargets(query: LatestTargetsQuery): Promise<TargetOfEvent[]>;
  /** Entity properties derived from `$set`/`$unset`/`$delete` (BEHAVIOUR.md#property-aggregation). */
  aggregateProperties(query: AggregatePropertiesQuery): Promise<Map<string, PropertyMap>>;
}

// ---------------------------------------------------------------------------------------------------
// DASE components
// ---------------------------------------------------------------------------------------------------

/** One evaluation fold: training data, evaluation info and the (query, actual result) pairs. */
export type EvalFold<TD, EI, Q, A> = [TD, EI, Array<[Q, A]>];

export interface DataSource<TD = unknown, EI = unknown, Q = unknown, A = unknown> {
  readTraining(ctx: EngineContext): MaybePromise<TD>;
  /** Folds for `pio eval` (default: none). */
  readEval?(ctx: EngineContext): MaybePromise<Array<EvalFold<TD, EI, Q, A>>>;
}

export interface Preparator<TD = unknown, PD = unknown> {
  prepare(ctx: EngineContext, trainingData: TD): MaybePromise<PD>;
}

/** What a model serialises to: JSON, or bytes for compact numeric models. */
export type ModelData = Json | Uint8Array;

export interface Algorithm<PD = unknown, M = unknown, Q = unknown, P = unknown> {
  train(ctx: EngineContext, preparedData: PD): MaybePromise<M>;
  predict(model: M, query: Q, ctx: EngineContext): MaybePromise<P>;
  /** Default: `predict` mapped over the queries. */
  batchPredict?(ctx: EngineContext, model: M, queries: Array<[number, Q]>): MaybePromise<Array<[number, P]>>;
  /**
   * Model → stored form (default: the model itself, which must then be JSON). Return `undefined` to
   * store nothing: the algorithm is then re-trained when the engine is deployed (upstream PAlgorithm).
   */
  serializeModel?(model: M): ModelData | undefined;
  /** Stored form → model (default: the stored JSON as is). */
  deserializeModel?(data: ModelData, ctx: EngineContext): MaybePromise<M>;
  /**
   * PersistentModel: save the model yourself under `modelId` (`<instanceId>-<index>-<name>`); `true` stores
   * only a manifest and `loadModel` restores it at deploy time, `false` means re-train at deploy time.
   */
  saveModel?(modelId: string, model: M, ctx: EngineContext): MaybePromise<boolean>;
  loadModel?(modelId: string, ctx: EngineContext): MaybePromise<M>;
  /** JSON body of `/queries.json` → query (first algorithm's wins); throwing answers 400. */
  queryFromJson?(json: Json): Q;
  /**
   * Prediction → response JSON (first algorithm's wins; default: the prediction as is). Wrap a number in
   * `javaDouble(x)` to print it as a JVM engine's `Double` (`0.0` where `JSON.stringify` prints `0`).
   */
  predictionToJson?(prediction: P): PredictionJson;
}

export interface Serving<Q = unknown, P = unknown> {
  /** Applied once per query before the algorithms predict (default: identity). */
  supplement?(query: Q): MaybePromise<Q>;
  /** Combines the algorithms' predictions; receives the original (not supplemented) query. */
  serve(query: Q, predictions: P[]): MaybePromise<P>;
}

/** Optional on training data, prepared data and models: throwing aborts training (BEHAVIOUR.md#training-workflow). */
export interface SanityCheck {
  sanityCheck(): void;
}

// ---------------------------------------------------------------------------------------------------
// Engine definition
// ---------------------------------------------------------------------------------------------------

/** A component class: constructed with its validated params; `static params` is the params schema. */
export interface ComponentClass<T, P = any> {
  new (params: P): T;
  params?: Schema<P>;
}

/** A component as a plain object: `create` receives the validated params. */
export interface ComponentFactory<T, P = any> {
  params?: Schema<P>;
  create(params: P): T;
}

export type Component<T> = ComponentClass<T> | ComponentFactory<T>;

/** One component (engine.json name `""`) or several by name. */
export type NamedComponents<T> = Component<T> | { [name: string]: Component<T> };

export interface EngineDefinition {
  datasource: NamedComponents<DataSource<any, any, any, any>>;
  /** Default: identity (prepared data = training data). */
  preparator?: NamedComponents<Preparator<any, any>> | undefined;
  algorithms: { [name: string]: Component<Algorithm<any, any, any, any>> };
  /** Default: the first algorithm's prediction. */
  serving?: NamedComponents<Serving<any, any>> | undefined;
  /** Schema of `/queries.json` bodies, used unless the first algorithm has `queryFromJson`. */
  query?: Schema<unknown> | undefined;
}

/** One component's settings, as in engine.json. */
export interface ComponentParams {
  name?: string | undefined;
  params?: { [key: string]: unknown } | undefined;
}

/** Engine params in engine.json form (BEHAVIOUR.md#engine-variants): used by `engineParams(key)` and evaluations. */
export interface EngineParams {
  datasource?: ComponentParams | undefined;
  preparator?: ComponentParams | undefined;
  algorithms?: Array<{ name: string; params?: { [key: string]: unknown } | undefined }> | undefined;
  serving?: ComponentParams | undefined;
}

/**
 * What engine.json's `engineFactory` names: a function returning the definition (optionally with
 * `engineParams(key)` for `pio train --engine-params-key`), or the definition itself.
 */
export type EngineFactory =
  | ((() => MaybePromise<EngineDefinition>) & { engineParams?: (key: string) => MaybePromise<EngineParams> })
  | EngineDefinition;

// ---------------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------------

/** The evaluation data of one engine-params set: per fold, its info and (query, prediction, actual). */
export type EvalDataSet<EI, Q, P, A> = Array<[EI, Array<[Q, P, A]>]>;

export interface Metric<EI = any, Q = any, P = any, A = any, R = number> {
  /** Shown in results (default: "Metric"). */
  header?: string | undefined;
  calculate(data: EvalDataSet<EI, Q, P, A>): MaybePromise<R>;
  /** Natural ordering, higher is better (default: numeric comparison). */
  compare?(a: R, b: R): number;
}

export interface EngineParamsGenerator {
  engineParamsList: EngineParams[];
}

/**
 * `pio eval <evaluation> [<generator>]`. With a single `metric` (upstream `engineMetric`) the best params
 * are written to best.json; with `otherMetrics` (upstream `engineMetrics`) they are reported but no file
 * is written. `engineParamsList` makes the evaluation its own generator. An evaluation also works as an
 * engine factory (so best.json, whose engineFactory names the evaluation, can be trained and deployed).
 */
export interface Evaluation {
  engineFactory: EngineFactory;
  metric: Metric;
  otherMetrics?: Metric[] | undefined;
  engineParamsList?: EngineParams[] | undefined;
}
