import { jsonString, z } from 'pio-deploy/engine';

/**
 * engine.json params of UR 0.7.3 (DataSourceParams, URAlgorithmParams), validated strictly: an unknown
 * or mistyped key is an error naming it. Keys that only steer Spark or Elasticsearch upstream are
 * accepted and have no effect here (listed in the README).
 */

const comment = z.unknown().optional();

/** Scala `Float` params: JSON numbers stored as float32, as upstream reads them. */
const float = () => z.number().transform((value) => Math.fround(value));

export const fieldSchema = z
  .object({ name: jsonString(), values: z.array(jsonString()), bias: float(), comment })
  .strict();
export type FieldRule = z.infer<typeof fieldSchema>;

export const RANKING_TYPES = ['popular', 'trending', 'hot', 'userDefined', 'random'] as const;
export type RankingType = (typeof RANKING_TYPES)[number];

const rankingSchema = z
  .object({
    name: z.string().optional(),
    type: z.enum(RANKING_TYPES).optional(),
    eventNames: z.array(z.string()).optional(),
    offsetDate: z.string().optional(),
    /** Read nowhere upstream: accepted, no effect. */
    endDate: z.string().optional(),
    duration: z.string().optional(),
    comment,
  })
  .strict();
export type RankingParams = z.infer<typeof rankingSchema>;

const indicatorSchema = z
  .object({
    name: z.string(),
    maxItemsPerUser: z.number().int().positive().optional(),
    maxCorrelatorsPerItem: z.number().int().positive().optional(),
    minLLR: z.number().optional(),
    comment,
  })
  .strict();

export const dataSourceParams = z
  .object({
    /** Defaults to $PIO_EVENTSERVER_APP_NAME (Heroku-style deployments). */
    appName: jsonString().optional(),
    eventNames: z.array(z.string()).min(1),
    eventWindow: z
      .object({
        duration: z.string().optional(),
        removeDuplicates: z.boolean().optional(),
        compressProperties: z.boolean().optional(),
        comment,
      })
      .strict()
      .optional(),
    minEventsPerUser: z.number().int().nonnegative().optional(),
    /** UR's examples name the data file here; it has no meaning. */
    name: z.string().optional(),
    comment,
  })
  .strict();
export type DataSourceParams = z.infer<typeof dataSourceParams>;

export const algorithmParams = z
  .object({
    appName: jsonString().optional(),
    indexName: z.string().optional(),
    typeName: z.string().optional(),
    recsModel: z.enum(['all', 'collabFiltering', 'backfill']).default('all'),
    eventNames: z.array(z.string()).min(1).optional(),
    indicators: z.array(indicatorSchema).min(1).optional(),
    blacklistEvents: z.array(z.string()).optional(),
    maxQueryEvents: z.number().int().positive().optional(),
    maxEventsPerEventType: z.number().int().positive().default(500),
    maxCorrelatorsPerEventType: z.number().int().positive().default(50),
    num: z.number().int().nonnegative().default(20),
    userBias: float().optional(),
    itemBias: float().optional(),
    returnSelf: z.boolean().default(false),
    fields: z.array(fieldSchema).default([]),
    rankings: z.array(rankingSchema).optional(),
    availableDateName: z.string().optional(),
    expireDateName: z.string().optional(),
    dateName: z.string().optional(),
    /** Elasticsearch 5 created 5 shards per index; scores depend on it (per-shard idf). */
    numShards: z.number().int().positive().default(5),
    seed: z.number().int().optional(),
    numESWriteConnections: z.number().int().optional(),
    sparkConf: z.unknown().optional(),
    comment,
  })
  .strict()
  .refine((params) => params.eventNames !== undefined || params.indicators !== undefined, {
    message: 'Must have either "eventNames" or "indicators" in algorithm parameters.',
    path: ['eventNames'],
  });
export type AlgorithmParams = z.infer<typeof algorithmParams>;

export const DEFAULT_MAX_QUERY_EVENTS = 100;
export const DEFAULT_BACKFILL_DURATION = '3650 days';

const RANK_FIELD_BY_TYPE: Record<RankingType, string> = {
  popular: 'popRank',
  trending: 'trendRank',
  hot: 'hotRank',
  userDefined: 'userRank',
  random: 'uniqueRank',
};

/** One indicator as training and queries use it, defaults filled in as URAlgorithm does. */
export interface IndicatorSettings {
  name: string;
  /** User-history events of this indicator used in a query. */
  maxItemsPerUser: number;
  /** Downsampling cap (interactions per user and per item) of this indicator's matrix. */
  maxInteractions: number;
  maxCorrelatorsPerItem: number;
  minLLR: number | undefined;
}

export interface ResolvedRanking {
  name: string;
  type: RankingType;
  eventNames: string[];
  /** Seconds. */
  duration: number;
  offsetDate: string | undefined;
}

/** Derived settings (URAlgorithm's lazy vals). */
export interface ResolvedSettings {
  modelEventNames: string[];
  indicators: Map<string, IndicatorSettings>;
  maxQueryEvents: number;
  blacklistEvents: string[];
  rankings: ResolvedRanking[];
  dateNames: string[];
}

export function resolveSettings(params: AlgorithmParams): ResolvedSettings {
  const indicators = new Map<string, IndicatorSettings>();
  let modelEventNames: string[];
  let maxQueryEvents: number;
  if (params.indicators === undefined) {
    modelEventNames = params.eventNames!;
    // The eventNames shortcut: engine-wide caps for training, 100 history events per query.
    for (const name of modelEventNames) {
      indicators.set(name, {
        name,
        maxItemsPerUser: DEFAULT_MAX_QUERY_EVENTS,
        maxInteractions: params.maxEventsPerEventType,
        maxCorrelatorsPerItem: params.maxCorrelatorsPerEventType,
        minLLR: undefined,
      });
    }
    maxQueryEvents = params.maxQueryEvents ?? DEFAULT_MAX_QUERY_EVENTS;
  } else {
    modelEventNames = params.indicators.map((indicator) => indicator.name);
    for (const indicator of params.indicators) {
      indicators.set(indicator.name, {
        name: indicator.name,
        maxItemsPerUser: indicator.maxItemsPerUser ?? 500,
        maxInteractions: indicator.maxItemsPerUser ?? 500,
        maxCorrelatorsPerItem: indicator.maxCorrelatorsPerItem ?? 50,
        minLLR: indicator.minLLR,
      });
    }
    // Upstream: ten times the sum of maxItemsPerUser (each defaulting to 100 here).
    maxQueryEvents =
      params.indicators.reduce((sum, indicator) => sum + (indicator.maxItemsPerUser ?? DEFAULT_MAX_QUERY_EVENTS), 0) * 10;
  }
  const primary = modelEventNames[0]!;
  const rankingList: RankingParams[] = params.rankings ?? [
    { name: 'popRank', type: 'popular', eventNames: [primary], duration: DEFAULT_BACKFILL_DURATION },
  ];
  // Only the first ranking of each type counts (upstream groups by type).
  const byType = new Map<RankingType, RankingParams>();
  for (const ranking of rankingList) {
    const type = ranking.type ?? 'popular';
    if (!byType.has(type)) byType.set(type, ranking);
  }
  const rankings = rankingOrder([...byType.keys()]).map((type): ResolvedRanking => {
    const ranking = byType.get(type)!;
    return {
      name: ranking.name ?? RANK_FIELD_BY_TYPE[type],
      type,
      eventNames: ranking.eventNames ?? [primary],
      duration: parseDurationSeconds(ranking.duration ?? DEFAULT_BACKFILL_DURATION),
      offsetDate: ranking.offsetDate,
    };
  });
  const dateNames = [...new Set([params.dateName, params.availableDateName, params.expireDateName].filter((n): n is string => n !== undefined))];
  return {
    modelEventNames,
    indicators,
    maxQueryEvents,
    blacklistEvents: params.blacklistEvents ?? [primary],
    rankings,
    dateNames,
  };
}

/**
 * Upstream sorts by the rankings in the iteration order of a Scala immutable HashMap keyed by type,
 * not in engine.json order; that order depends only on which types are present.
 */
export function rankingOrder(types: RankingType[]): RankingType[] {
  const priority: RankingType[] =
    types.length >= 5
      ? ['trending', 'hot', 'popular', 'userDefined', 'random']
      : ['trending', 'popular', 'userDefined', 'hot', 'random'];
  return priority.filter((type) => types.includes(type));
}

const DURATION_UNITS: Array<[RegExp, number]> = [
  [/^(d|day|days)$/, 86_400],
  [/^(h|hour|hours)$/, 3_600],
  [/^(m|min|mins|minute|minutes)$/, 60],
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(ms|milli|millis|millisecond|milliseconds)$/, 0.001],
];

/** Scala `Duration("3650 days")` in whole seconds (upstream truncates with `toSeconds.toInt`). */
export function parseDurationSeconds(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(text);
  const unit = match && DURATION_UNITS.find(([pattern]) => pattern.test(match[2]!));
  if (!match || !unit) throw new Error(`Bad duration "${text}": use a number and a unit, e.g. "3650 days", "12 hours"`);
  return Math.trunc(Number(match[1]) * unit[1]);
}
