import type { TargetOfEvent } from 'pio-deploy/engine';
import { isoNow, parseEsDate } from './dates.js';
import { DEFAULT_MAX_QUERY_EVENTS, type AlgorithmParams, type FieldRule, type ResolvedSettings } from './params.js';
import type { ItemScore, Query } from './query.js';
import type { DateFilter, Searcher, TermsClause } from './searcher.js';

/** A user's events as a query uses them: the event name and its target (the item). */
export type UserHistory = ReadonlyArray<Pick<TargetOfEvent, 'event'> & { targetEntityId?: string | undefined }>;

export interface RecommendInput {
  searcher: Searcher;
  params: AlgorithmParams;
  settings: ResolvedSettings;
  /** The query user's events of the query's event names, newest first (empty without a user). */
  history: UserHistory;
  now?: Date;
}

/**
 * UR's `buildQuery` and Elasticsearch 5's evaluation of it: should clauses (user history, the item's
 * correlators, boosted fields, the item set, and a boost-0 match_all that lets every passing item
 * score 0), must filters, must_not exclusions; scored per shard with BM25, sorted by score, ranks and
 * shard; then paged (searcher.ts).
 */
export function recommend(query: Query, input: RecommendInput): ItemScore[] {
  const { params, settings } = input;
  const index = input.searcher.index;
  const modelEventNames = settings.modelEventNames;
  const queryEventNames = query.eventNames ?? modelEventNames;
  const userBias = params.userBias ?? 1;
  const itemBias = params.itemBias ?? 1;

  const boostable = userHistoryClauses(query, input, queryEventNames, userBias);
  const similar = similarItemClauses(query, input, itemBias);
  const should: TermsClause[] = [
    ...(userBias >= 0 ? boostable.slice(0, settings.maxQueryEvents - 1) : []),
    ...(itemBias >= 0 ? similar : []),
    ...distinctRules([...(query.fields ?? []).filter((f) => f.bias > 0), ...params.fields.filter((f) => f.bias < 0)]).map(
      (f): TermsClause => ({ field: f.name, values: f.values, boost: f.bias }),
    ),
    ...(query.itemSet && query.itemSet.length > 0
      ? [{ field: modelEventNames[0]!, values: query.itemSet, boost: query.itemSetBias }]
      : []),
  ].filter((clause) => (clause.boost ?? 1) !== 0);

  const must: TermsClause[] = [
    ...(userBias < 0 ? boostable.slice(0, settings.maxQueryEvents - 1) : []),
    ...(itemBias < 0 ? similar : []),
    ...distinctRules([...(query.fields ?? []).filter((f) => f.bias < 0), ...params.fields.filter((f) => f.bias > 0)]).map(
      (f): TermsClause => ({ field: f.name, values: f.values, boost: 0 }),
    ),
  ];
  const dateFilters = dateFiltersOf(query, params, input.now ?? new Date());

  const mustNotDocs: number[] = [];
  for (const item of excludedItems(query, input)) {
    const doc = index.docByItem.get(item);
    if (doc !== undefined) mustNotDocs.push(doc);
  }
  const mustNotFields = distinctRules([...(query.fields ?? []).filter((f) => f.bias === 0), ...params.fields.filter((f) => f.bias === 0)]).map(
    (f) => ({ field: f.name, values: f.values }),
  );

  const from = query.from ?? 0;
  const num = query.num ?? params.num;
  const hits = input.searcher.search({ should, must, mustNotDocs, mustNotFields, dates: dateFilters }, from, num);
  return hits.map(({ doc, score }) => {
    const result: ItemScore = { item: index.docIds[doc]!, score };
    if (query.withRanks) {
      const ranks: Record<string, number> = {};
      index.model.ranks.forEach((rank) => {
        const value = rank.values[doc]!;
        if (!Number.isNaN(value)) ranks[rank.name] = value;
      });
      if (Object.keys(ranks).length > 0) result.ranks = ranks;
    }
    return result;
  });
}

/** Scala's `.distinct` on (name, values, bias) case classes. */
function distinctRules(rules: FieldRule[]): FieldRule[] {
  const seen = new Set<string>();
  return rules.filter((rule) => {
    const key = JSON.stringify([rule.name, rule.values, rule.bias]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Per query event name, the targets of the user's newest events, at most the indicator's
 * `maxItemsPerUser` events (repeats counted), then made distinct.
 */
function userHistoryClauses(query: Query, input: RecommendInput, eventNames: string[], userBias: number): TermsClause[] {
  const bias = query.userBias ?? userBias;
  const boost = bias > 0 && bias !== 1 ? bias : undefined;
  return eventNames.map((action) => {
    const limit = input.settings.indicators.get(action)?.maxItemsPerUser ?? DEFAULT_MAX_QUERY_EVENTS;
    const newestFirst: string[] = [];
    for (const event of input.history) {
      if (newestFirst.length === limit) break;
      if (event.event === action && event.targetEntityId !== undefined) newestFirst.push(event.targetEntityId);
    }
    // Oldest first, as upstream lists them: the order the clause sums its terms in.
    return { field: action, values: [...new Set(newestFirst.reverse())], boost };
  });
}

function similarItemClauses(query: Query, input: RecommendInput, itemBias: number): TermsClause[] {
  if (query.item === undefined) return [];
  const doc = input.searcher.index.docByItem.get(query.item);
  if (doc === undefined) return [];
  const bias = query.itemBias ?? itemBias;
  const boost = bias > 0 && bias !== 1 ? bias : undefined;
  const max = input.settings.maxQueryEvents;
  return input.settings.modelEventNames.map((action) => {
    const items = input.searcher.index.correlators(action, doc);
    return { field: action, values: items.length <= max ? items : items.slice(0, max - 1), boost };
  });
}

function excludedItems(query: Query, input: RecommendInput): string[] {
  const blacklistEvents = input.settings.blacklistEvents;
  const excluded = input.history
    .filter((event) => blacklistEvents.includes(event.event))
    .map((event) => event.targetEntityId ?? '');
  excluded.push(...(query.blacklistItems ?? []));
  if (!(query.returnSelf ?? input.params.returnSelf) && query.item !== undefined) excluded.push(query.item);
  excluded.push(...(query.itemSet ?? []));
  return excluded;
}

/**
 * A query `dateRange` (either bound set) filters `after < date < before`; otherwise, only when both
 * availableDateName and expireDateName are configured, `available <= now < expire`, where now is the
 * query's `currentDate` or the server clock.
 */
function dateFiltersOf(query: Query, params: AlgorithmParams, now: Date): DateFilter[] {
  const range = query.dateRange;
  if (range && ((range.after ?? '') !== '' || (range.before ?? '') !== '')) {
    return [{ field: range.name, after: boundOf(range.after), before: boundOf(range.before) }];
  }
  if (params.availableDateName !== undefined && params.expireDateName !== undefined) {
    const current = parseEsDate(query.currentDate ?? isoNow(now));
    if (current === undefined) throw new Error(`Invalid currentDate: ${query.currentDate}`);
    return [
      { field: params.availableDateName, before: current + 1 },
      { field: params.expireDateName, after: current },
    ];
  }
  return [];
}

function boundOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const parsed = parseEsDate(text);
  if (parsed === undefined) throw new Error(`Invalid date in dateRange: ${text}`);
  return parsed;
}
