import { bm25Idf, termScore } from './bm25.js';
import type { DateField, SearchIndex } from './search-index.js';

/** A `terms` clause: documents having any of the values in the field; boost undefined = 1. */
export interface TermsClause {
  field: string;
  values: string[];
  boost: number | undefined;
}

/** Exclusive bounds; a document without the date does not pass. */
export interface DateFilter {
  field: string;
  after?: number | undefined;
  before?: number | undefined;
}

/** UR's bool query as Elasticsearch 5 evaluates it on the index. */
export interface BoolQuery {
  /** Scored clauses (boost 0 clauses are left out by the caller: they only add 0). */
  should: TermsClause[];
  /** Every one must match (unscored). */
  must: TermsClause[];
  /** Excluded documents, and fields whose values exclude a document. */
  mustNotDocs: number[];
  mustNotFields: Array<{ field: string; values: string[] }>;
  dates: DateFilter[];
}

export interface ScoredDoc {
  doc: number;
  /** A float32 value. */
  score: number;
}

/** Stamps are compared to the query's (or clause's) own stamp, so the arrays are never cleared per query. */
const MAX_STAMP = 2 ** 30;

/**
 * Evaluates bool queries on one index, as Elasticsearch 5 sorts the hits: every document that passes
 * the filters is a hit (the boost-0 match_all), ordered by score descending, then the index's tie
 * order. Only documents matched by a scored clause get a score; the rest score 0 and come in tie
 * order, so a page is the best positive scores (kept in a bounded sorted buffer) followed by a walk of
 * the tie order that stops when the page is full. Scratch arrays are reused across queries: a
 * Searcher serves one query at a time (queries are synchronous).
 */
export class Searcher {
  private readonly total: Float64Array;
  private readonly clauseSum: Float64Array;
  private readonly scoredStamp: Int32Array;
  private readonly clauseStamp: Int32Array;
  private readonly excludedStamp: Int32Array;
  private readonly mustStamp: Int32Array;
  private readonly mustMatched: Int32Array;
  /** The documents scored so far by the query, and by the clause (each document once). */
  private readonly scored: Int32Array;
  private readonly inClause: Int32Array;
  private stamp = 0;

  constructor(readonly index: SearchIndex) {
    const size = index.size;
    this.total = new Float64Array(size);
    this.clauseSum = new Float64Array(size);
    this.scoredStamp = new Int32Array(size);
    this.clauseStamp = new Int32Array(size);
    this.excludedStamp = new Int32Array(size);
    this.mustStamp = new Int32Array(size);
    this.mustMatched = new Int32Array(size);
    this.scored = new Int32Array(size);
    this.inClause = new Int32Array(size);
  }

  /** Hits `from` to `from + size` in Elasticsearch's order. */
  search(query: BoolQuery, from: number, size: number): ScoredDoc[] {
    const wanted = from + size;
    if (size <= 0) return [];
    const stamp = this.nextStamp();
    const scored = this.score(query.should, stamp);
    this.markExcluded(query, stamp);
    this.markMust(query.must, stamp);
    const dates = query.dates.map((filter) => ({ filter, field: this.index.dateField(filter.field) }));
    const passes = (doc: number) =>
      this.excludedStamp[doc] !== stamp &&
      (query.must.length === 0 || (this.mustStamp[doc] === stamp && this.mustMatched[doc] === query.must.length)) &&
      dates.every(({ filter, field }) => field !== undefined && passesDate(filter, field, doc));
    const scoreOf = (doc: number) => (this.scoredStamp[doc] === stamp ? Math.fround(this.total[doc]!) : 0);

    const best = new TopDocs(wanted, this.index.tiePosition);
    const negative: number[] = [];
    for (const doc of scored) {
      const score = scoreOf(doc);
      if (score > 0) {
        if (best.accepts(score, doc) && passes(doc)) best.add(score, doc);
      } else if (score !== 0 && passes(doc)) negative.push(doc);
    }
    const hits = best.docs();
    for (let position = 0; position < this.index.size && hits.length < wanted; position++) {
      const doc = this.index.tieOrder[position]!;
      if (scoreOf(doc) === 0 && passes(doc)) hits.push(doc);
    }
    if (hits.length < wanted && negative.length > 0) {
      const position = this.index.tiePosition;
      negative.sort((a, b) => scoreOf(b) - scoreOf(a) || position[a]! - position[b]!);
      hits.push(...negative.slice(0, wanted - hits.length));
    }
    return hits.slice(from, wanted).map((doc) => ({ doc, score: scoreOf(doc) }));
  }

  /**
   * Lucene's disjunctions: each clause sums its terms' float scores in double and casts the sum to
   * float; the bool query sums its clauses the same way. Returns the documents it scored (a view of
   * scratch space, valid until the next query).
   */
  private score(should: TermsClause[], stamp: number): Int32Array {
    const { index, total, clauseSum, scoredStamp, clauseStamp, scored, inClause } = this;
    const numShards = index.numShards;
    let scoredCount = 0;
    for (const clause of should) {
      let inClauseCount = 0;
      const field = index.field(clause.field);
      if (!field) continue;
      const boost = Math.fround(clause.boost ?? 1);
      const clauseMark = this.nextStamp();
      const { docs, docFreq, docCount, offsets } = field;
      for (const term of new Set(clause.values)) {
        const slot = field.slots.get(term);
        if (slot === undefined) continue;
        // The term's documents come grouped by shard: one term score per group.
        let at = offsets[slot]!;
        for (let shard = 0; shard < numShards; shard++) {
          const frequency = docFreq[slot * numShards + shard]!;
          if (frequency === 0) continue;
          const termValue = termScore(bm25Idf(frequency, docCount[shard]!), boost);
          for (const end = at + frequency; at < end; at++) {
            const doc = docs[at]!;
            if (clauseStamp[doc] !== clauseMark) {
              clauseStamp[doc] = clauseMark;
              clauseSum[doc] = termValue;
              inClause[inClauseCount++] = doc;
            } else clauseSum[doc]! += termValue;
          }
        }
      }
      for (let i = 0; i < inClauseCount; i++) {
        const doc = inClause[i]!;
        if (scoredStamp[doc] !== stamp) {
          scoredStamp[doc] = stamp;
          total[doc] = 0;
          scored[scoredCount++] = doc;
        }
        total[doc]! += Math.fround(clauseSum[doc]!);
      }
    }
    return scored.subarray(0, scoredCount);
  }

  private markExcluded(query: BoolQuery, stamp: number) {
    for (const doc of query.mustNotDocs) this.excludedStamp[doc] = stamp;
    for (const { field, values } of query.mustNotFields) this.forEachDoc(field, values, (doc) => (this.excludedStamp[doc] = stamp));
  }

  /** Counts, per document, the must clauses matched so far in clause order (a clause counts once). */
  private markMust(must: TermsClause[], stamp: number) {
    must.forEach((clause, i) => {
      this.forEachDoc(clause.field, clause.values, (doc) => {
        if (i === 0) {
          if (this.mustStamp[doc] !== stamp) {
            this.mustStamp[doc] = stamp;
            this.mustMatched[doc] = 1;
          }
        } else if (this.mustStamp[doc] === stamp && this.mustMatched[doc] === i) this.mustMatched[doc] = i + 1;
      });
    });
  }

  private forEachDoc(name: string, values: readonly string[], visit: (doc: number) => void) {
    const field = this.index.field(name);
    if (!field) return;
    for (const value of values) {
      const slot = field.slots.get(value);
      if (slot === undefined) continue;
      for (let at = field.offsets[slot]!, end = field.offsets[slot + 1]!; at < end; at++) visit(field.docs[at]!);
    }
  }

  private nextStamp(): number {
    if (this.stamp >= MAX_STAMP) {
      for (const stamps of [this.scoredStamp, this.clauseStamp, this.excludedStamp, this.mustStamp]) stamps.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }
}

/** Whether one of the document's dates is within the filter's exclusive bounds. */
function passesDate(filter: DateFilter, field: DateField, doc: number): boolean {
  for (let at = field.offsets[doc]!, end = field.offsets[doc + 1]!; at < end; at++) {
    const time = field.values[at]!;
    if ((filter.after === undefined || time > filter.after) && (filter.before === undefined || time < filter.before)) return true;
  }
  return false;
}

/** The best `capacity` documents by score descending, then tie position, in a sorted buffer. */
class TopDocs {
  private readonly scores: number[] = [];
  private readonly entries: number[] = [];

  constructor(
    private readonly capacity: number,
    private readonly position: Int32Array,
  ) {}

  /** Whether the document would enter the buffer (checked before the costlier filters). */
  accepts(score: number, doc: number): boolean {
    return this.entries.length < this.capacity || this.before(score, doc, this.entries.length - 1);
  }

  /** Binary insertion: the buffer is a page (tens of entries), so shifting it costs less than a heap's bookkeeping. */
  add(score: number, doc: number) {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.before(score, doc, mid)) high = mid;
      else low = mid + 1;
    }
    this.scores.splice(low, 0, score);
    this.entries.splice(low, 0, doc);
    if (this.entries.length > this.capacity) {
      this.scores.pop();
      this.entries.pop();
    }
  }

  docs(): number[] {
    return [...this.entries];
  }

  private before(score: number, doc: number, at: number): boolean {
    const other = this.scores[at]!;
    return score > other || (score === other && this.position[doc]! < this.position[this.entries[at]!]!);
  }
}
