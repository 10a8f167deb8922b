import type { EngineEvent } from 'pio-deploy/engine';
import { bm25Idf, termScore } from '../../src/bm25.js';
import { isoNow, parseEsDate } from '../../src/dates.js';
import { DEFAULT_MAX_QUERY_EVENTS, type AlgorithmParams, type FieldRule, type ResolvedSettings } from '../../src/params.js';
import type { ItemScore, Query } from '../../src/query.js';
import type { ReferenceSearchIndex as SearchIndex } from './search-index.js';

/** A `terms` clause: documents having any of the values in the field; boost undefined = 1. */
interface TermsClause {
  field: string;
  values: string[];
  boost: number | undefined;
}

type DateFilter = { field: string; after?: number | undefined; before?: number | undefined; inclusiveAfter?: boolean };

export interface ReferenceRecommendInput {
  index: SearchIndex;
  params: AlgorithmParams;
  settings: ResolvedSettings;
  /** The query user's events of the query's event names, newest first (empty without a user). */
  history: EngineEvent[];
  now?: Date;
}

/**
 * The straightforward first implementation, kept as the reference the fast one (src/recommend.ts,
 * src/searcher.ts) is compared with: every document is scored and filtered, then all hits sorted.
 *
 * UR's `buildQuery` and Elasticsearch 5's evaluation of it: should clauses (user history, the item's
 * correlators, boosted fields, the item set, and a boost-0 match_all that lets every passing item
 * score 0), must filters, must_not exclusions; scored per shard with BM25, sorted by score, ranks and
 * shard; then paged.
 */
export function referenceRecommend(query: Query, input: ReferenceRecommendInput): ItemScore[] {
  const { index, params, settings } = input;
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

  const excludedIds = new Set(excludedItems(query, input));
  const excludedFields = distinctRules([...(query.fields ?? []).filter((f) => f.bias === 0), ...params.fields.filter((f) => f.bias === 0)]);

  const passes = (doc: number): boolean => {
    if (excludedIds.has(index.docIds[doc]!)) return false;
    if (excludedFields.some((f) => index.hasAnyTerm(f.name, f.values, doc))) return false;
    if (!must.every((clause) => index.hasAnyTerm(clause.field, clause.values, doc))) return false;
    return dateFilters.every((filter) => passesDate(index, filter, doc));
  };

  // Each clause sums its terms' float scores in double and casts to float (a Lucene disjunction);
  // the bool query does the same over its clauses.
  const total = new Float64Array(index.size);
  const clauseSum = new Float64Array(index.size);
  const inClause = new Uint8Array(index.size);
  const touched: number[] = [];
  for (const clause of should) {
    const boost = Math.fround(clause.boost ?? 1);
    for (const term of new Set(clause.values)) {
      const docs = index.postings(clause.field, term);
      if (docs.length === 0) continue;
      const dfByShard = new Int32Array(index.numShards);
      for (const doc of docs) dfByShard[index.shards[doc]!]!++;
      for (const doc of docs) {
        const shard = index.shards[doc]!;
        const score = termScore(bm25Idf(dfByShard[shard]!, index.docCount(clause.field, shard)), boost);
        if (!inClause[doc]) {
          inClause[doc] = 1;
          touched.push(doc);
        }
        clauseSum[doc]! += score;
      }
    }
    for (const doc of touched) {
      total[doc]! += Math.fround(clauseSum[doc]!);
      clauseSum[doc] = 0;
      inClause[doc] = 0;
    }
    touched.length = 0;
  }

  const hits: number[] = [];
  for (let doc = 0; doc < index.size; doc++) if (passes(doc)) hits.push(doc);
  const score = (doc: number) => Math.fround(total[doc]!);
  const sortByRanks = params.recsModel !== 'collabFiltering';
  hits.sort((a, b) => {
    const byScore = score(b) - score(a);
    if (byScore !== 0) return byScore;
    if (sortByRanks) {
      for (const values of index.rankValues) {
        const byRank = compareRanks(values[a]!, values[b]!);
        if (byRank !== 0) return byRank;
      }
    }
    return index.shards[a]! - index.shards[b]! || compareIds(index.docIds[a]!, index.docIds[b]!);
  });

  const from = query.from ?? 0;
  const num = query.num ?? params.num;
  return hits.slice(from, from + num).map((doc) => {
    const result: ItemScore = { item: index.docIds[doc]!, score: score(doc) };
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

/** Descending, missing values last. */
function compareRanks(a: number, b: number): number {
  const aMissing = Number.isNaN(a);
  const bMissing = Number.isNaN(b);
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  return b - a;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
function userHistoryClauses(query: Query, input: ReferenceRecommendInput, eventNames: string[], userBias: number): TermsClause[] {
  const bias = query.userBias ?? userBias;
  const boost = bias > 0 && bias !== 1 ? bias : undefined;
  return eventNames.map((action) => {
    const limit = input.settings.indicators.get(action)?.maxItemsPerUser ?? DEFAULT_MAX_QUERY_EVENTS;
    const items: string[] = [];
    for (const event of input.history) {
      if (event.event === action && items.length < limit && event.targetEntityId !== undefined) items.unshift(event.targetEntityId);
    }
    return { field: action, values: [...new Set(items)], boost };
  });
}

function similarItemClauses(query: Query, input: ReferenceRecommendInput, itemBias: number): TermsClause[] {
  if (query.item === undefined) return [];
  const doc = input.index.docByItem.get(query.item);
  if (doc === undefined) return [];
  const bias = query.itemBias ?? itemBias;
  const boost = bias > 0 && bias !== 1 ? bias : undefined;
  const max = input.settings.maxQueryEvents;
  return input.settings.modelEventNames.map((action) => {
    const items = input.index.correlators(action, doc);
    return { field: action, values: items.length <= max ? items : items.slice(0, max - 1), boost };
  });
}

function excludedItems(query: Query, input: ReferenceRecommendInput): string[] {
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

/** Exclusive bounds; a document without the date does not pass. */
function passesDate(index: SearchIndex, filter: DateFilter, doc: number): boolean {
  const values = index.dateValues(filter.field, doc);
  if (!values) return false;
  return values.some((time) => (filter.after === undefined || time > filter.after) && (filter.before === undefined || time < filter.before));
}
