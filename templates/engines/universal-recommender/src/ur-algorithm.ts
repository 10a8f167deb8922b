import { cpuQuota, javaDouble, type Algorithm, type EngineContext, type Json, type JsonObject, type PredictionJson } from 'pio-deploy/engine';
import { crossOccurrence, downsample, idOrderRank, seededRandom, type Correlators } from './cco.js';
import { crossOccurrenceParallel } from './cco-parallel.js';
import { deserializeUrModel, serializeUrModel, type UrModel } from './model.js';
import { algorithmParams, DEFAULT_MAX_QUERY_EVENTS, resolveSettings, type AlgorithmParams, type IndicatorSettings, type ResolvedSettings } from './params.js';
import type { PreparedData } from './preparator.js';
import { querySchema, type PredictedResult, type Query } from './query.js';
import { computeRanks } from './rankings.js';
import { recommend, type UserHistory } from './recommend.js';
import { shortestFloatDecimal } from './float-format.js';
import { SearchIndex } from './search-index.js';
import { Searcher } from './searcher.js';

/** Below this many interactions (all indicators) worker threads cost more to start than they save. */
const PARALLEL_MIN_INTERACTIONS = 300_000;

/** Upstream reads the user's history with a 200 ms timeout and answers without it when late. */
export const HISTORY_TIMEOUT_MS = 200;

export interface ServedModel {
  model: UrModel;
  searcher: Searcher;
}

/** The Universal Recommender's algorithm (`"name": "ur"`): CCO training, business-rule queries. */
export class UrAlgorithm implements Algorithm<PreparedData, ServedModel, Query, PredictedResult> {
  static params = algorithmParams;
  readonly settings: ResolvedSettings;

  constructor(readonly params: AlgorithmParams) {
    this.settings = resolveSettings(params);
  }

  async train(ctx: EngineContext, data: PreparedData): Promise<ServedModel> {
    const model = await trainModel(ctx, data, this.params, this.settings);
    return this.serve(model);
  }

  async predict(served: ServedModel, query: Query, ctx: EngineContext): Promise<PredictedResult> {
    const history = query.user === undefined ? [] : await this.recentHistory(served, query, ctx);
    return { itemScores: recommend(query, { searcher: served.searcher, params: this.params, settings: this.settings, history }) };
  }

  serializeModel(served: ServedModel): Json {
    return serializeUrModel(served.model);
  }

  deserializeModel(data: unknown): ServedModel {
    return this.serve(deserializeUrModel(data));
  }

  queryFromJson(json: Json): Query {
    const parsed = querySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${issue.path.join('.') || 'query'}: ${issue.message}`);
    }
    return parsed.data;
  }

  /**
   * As UR prints them: a score is the shortest decimal of its float read back as a double (`0.18232156`,
   * `0.0`), ranks are doubles; members in UR's order.
   */
  predictionToJson(prediction: PredictedResult): PredictionJson {
    const itemScores = prediction.itemScores.map((score): PredictionJson => {
      const printed: { [key: string]: PredictionJson } = { item: score.item, score: javaDouble(shortestFloatDecimal(score.score)) };
      if (score.ranks) {
        printed.ranks = Object.fromEntries(Object.entries(score.ranks).map(([name, value]) => [name, javaDouble(value)]));
      }
      return printed;
    });
    return { itemScores };
  }

  private serve(model: UrModel): ServedModel {
    const sortByRanks = this.params.recsModel !== 'collabFiltering';
    return { model, searcher: new Searcher(new SearchIndex(model, this.params.numShards, this.settings.dateNames, sortByRanks)) };
  }

  /**
   * The user's events of the query's event names, newest first, as much of them as the query uses: an
   * indicator's first `maxItemsPerUser` (with a target) for its clause, every blacklisting event.
   * Upstream reads them all (`LEventStore.findByEntity`, no limit); the answer is the same.
   */
  private async recentHistory(served: ServedModel, query: Query, ctx: EngineContext): Promise<UserHistory> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, HISTORY_TIMEOUT_MS, 'timeout')));
    const { indicators, blacklistEvents } = this.settings;
    try {
      const read = ctx.events.latestTargets({
        appName: this.params.appName ?? served.model.appName,
        entityType: 'user',
        entityId: query.user!,
        eventNames: (query.eventNames ?? this.settings.modelEventNames).map((name) => ({
          name,
          limit: blacklistEvents.includes(name) ? undefined : (indicators.get(name)?.maxItemsPerUser ?? DEFAULT_MAX_QUERY_EVENTS),
        })),
      });
      read.catch(() => undefined); // a late failure after the timeout must not go unhandled
      const result = await Promise.race([read, timeout]);
      if (result === 'timeout') {
        ctx.log.error(`Timeout when reading recent events of user ${query.user}: answering without the user's history.`);
        return [];
      }
      return result;
    } catch (error) {
      ctx.log.error(`Error when reading recent events of user ${query.user}, answering without them: ${String(error)}`);
      return [];
    } finally {
      clearTimeout(timer);
    }
  }
}

async function trainModel(ctx: EngineContext, data: PreparedData, params: AlgorithmParams, settings: ResolvedSettings): Promise<UrModel> {
  const numItems = data.items.size;
  const seed = params.seed ?? Math.floor(Math.random() * 2 ** 31);
  const itemIds = data.items.ids;
  const orderRank = idOrderRank(itemIds);
  const [primary, ...secondaries] = data.matrices;
  const indicatorOf = (eventName: string) => {
    const indicator = settings.indicators.get(eventName);
    if (!indicator) throw new Error(`Event "${eventName}" is read by the datasource but is no indicator of the algorithm.`);
    return indicator;
  };
  const primarySettings = indicatorOf(primary!.eventName);
  const a = downsample(primary!.matrix, primarySettings.maxInteractions, numItems, seededRandom(seed));
  const interactions = data.matrices.reduce((sum, { matrix }) => sum + matrix.cols.length, 0);
  const threads = interactions >= PARALLEL_MIN_INTERACTIONS ? cpuQuota() : 1;
  const correlate = (b: typeof a, settings: IndicatorSettings, selfPairs: boolean) => {
    const problem = { a, b, numItems, numUsers: data.userRows, settings, selfPairs, orderRank };
    return threads > 1 ? crossOccurrenceParallel(problem, threads) : Promise.resolve(crossOccurrence(problem));
  };
  const started = performance.now();
  const correlators: Array<{ name: string; lists: Correlators }> = [
    { name: primary!.eventName, lists: await correlate(a, primarySettings, false) },
  ];
  for (const [i, { eventName, matrix }] of secondaries.entries()) {
    const settingsB = indicatorOf(eventName);
    const b = downsample(matrix, settingsB.maxInteractions, numItems, seededRandom(seed + i + 1));
    correlators.push({ name: eventName, lists: await correlate(b, settingsB, true) });
  }
  ctx.log.info(
    `Correlated ${correlators.length} indicator(s) over ${numItems} items in ${((performance.now() - started) / 1000).toFixed(1)} s (${threads} thread${threads === 1 ? '' : 's'})`,
  );

  // Documents: every item of the primary matrix, every item with properties, every ranked item.
  const withProperties = params.recsModel !== 'collabFiltering';
  const ranks = new Map<string, Map<string, number>>();
  if (withProperties) {
    for (const ranking of settings.rankings) ranks.set(ranking.name, await computeRanks(ctx, data.appName, ranking, data.itemProperties));
  }
  const terms = [...itemIds];
  const termOf = new Map(terms.map((id, i) => [id, i]));
  const termIndex = (id: string) => {
    let found = termOf.get(id);
    if (found === undefined) {
      found = terms.length;
      terms.push(id);
      termOf.set(id, found);
    }
    return found;
  };
  const docTerms = new Set<number>();
  for (const col of primary!.matrix.cols) docTerms.add(col);
  if (withProperties) {
    for (const id of data.itemProperties.keys()) docTerms.add(termIndex(id));
    for (const values of ranks.values()) for (const id of values.keys()) docTerms.add(termIndex(id));
  }
  const docs = Int32Array.from([...docTerms].sort((x, y) => x - y));
  const indicators = correlators.map(({ name, lists }) => {
    const offsets = new Int32Array(docs.length + 1);
    const targets: number[] = [];
    docs.forEach((term, doc) => {
      offsets[doc] = targets.length;
      for (const target of lists.get(term) ?? []) targets.push(target);
    });
    offsets[docs.length] = targets.length;
    return { name, offsets, targets: Int32Array.from(targets) };
  });
  const properties = Array.from(docs, (term): JsonObject | null => {
    if (!withProperties) return null;
    const fields = data.itemProperties.get(terms[term]!);
    return fields ? { ...fields } : null;
  });
  const rankColumns = settings.rankings
    .filter((ranking) => ranks.has(ranking.name))
    .map((ranking) => ({
      name: ranking.name,
      values: Float64Array.from(docs, (term) => ranks.get(ranking.name)!.get(terms[term]!) ?? Number.NaN),
    }));
  const correlatorCount = indicators.reduce((sum, indicator) => sum + indicator.targets.length, 0);
  ctx.log.info(`UR model: ${docs.length} items, ${correlatorCount} correlators over ${indicators.length} indicators, ${data.userRows} users.`);
  return { appName: data.appName, terms, docs, indicators, properties, ranks: rankColumns };
}
