import { parseEsDate } from './dates.js';
import { correlatorsOf, type UrModel } from './model.js';
import { shardOf } from './murmur3.js';

/**
 * One keyword field as flat posting lists: a term's documents are `docs[offsets[slot]..offsets[slot + 1])`,
 * ascending. Per term and shard its document frequency, and per shard how many documents have the
 * field at all, the two counts BM25's idf needs (Elasticsearch computes idf per shard).
 */
export interface KeywordField {
  slots: Map<string, number>;
  offsets: Int32Array;
  docs: Int32Array;
  /** `docFreq[slot * numShards + shard]`. */
  docFreq: Int32Array;
  docCount: Int32Array;
}

/** A date field's epoch milliseconds per document: `values[offsets[doc]..offsets[doc + 1])`. */
export interface DateField {
  offsets: Int32Array;
  values: Float64Array;
}

/**
 * The in-memory stand-in for UR's Elasticsearch index: keyword fields (correlators and list
 * properties) as posting lists, date fields as epoch milliseconds, rank fields as floats, and each
 * document's shard. Also the order Elasticsearch's sort gives documents of equal score (ranks
 * descending with missing ranks last, then shard, then id), computed once so that a query only walks
 * it as far as its page reaches.
 */
export class SearchIndex {
  readonly docIds: string[];
  readonly shards: Int32Array;
  readonly docByItem = new Map<string, number>();
  private readonly keyword = new Map<string, KeywordField>();
  private readonly dates = new Map<string, DateField>();
  /** Float32, as the `float` mapping stores them; NaN = missing. */
  readonly rankValues: Float32Array[];
  /** Documents in tie order; `tiePosition[doc]` is the document's place in it. */
  readonly tieOrder: Int32Array;
  readonly tiePosition: Int32Array;

  constructor(
    readonly model: UrModel,
    readonly numShards: number,
    dateNames: readonly string[],
    /** false for `recsModel: collabFiltering`, whose sort has no rank fields. */
    sortByRanks = true,
  ) {
    this.docIds = Array.from(model.docs, (term) => model.terms[term]!);
    this.docIds.forEach((id, doc) => this.docByItem.set(id, doc));
    this.shards = Int32Array.from(this.docIds, (id) => shardOf(id, numShards));
    this.rankValues = model.ranks.map((rank) => Float32Array.from(rank.values));
    const rankNames = new Set(model.ranks.map((rank) => rank.name));
    const builders = new Map<string, Map<string, number[]>>();
    const add = (field: string, doc: number, values: Iterable<string>) => {
      let terms = builders.get(field);
      if (!terms) builders.set(field, (terms = new Map<string, number[]>()));
      for (const value of new Set(values)) {
        const docs = terms.get(value);
        if (docs) docs.push(doc);
        else terms.set(value, [doc]);
      }
    };
    model.indicators.forEach((indicator, i) => {
      for (let doc = 0; doc < this.docIds.length; doc++) {
        const targets = correlatorsOf(model, i, doc);
        if (targets.length > 0) add(indicator.name, doc, Array.from(targets, (t) => model.terms[t]!));
      }
    });
    const dateFields = new Set(dateNames);
    const dateBuilders = new Map<string, Map<number, number[]>>();
    model.properties.forEach((fields, doc) => {
      if (!fields) return;
      for (const [name, value] of Object.entries(fields)) {
        if (rankNames.has(name)) continue;
        const list = Array.isArray(value) ? value : [value];
        if (dateFields.has(name)) {
          const times = list.flatMap((v) => (typeof v === 'string' ? (parseEsDate(v) ?? []) : typeof v === 'number' ? [v] : []));
          let column = dateBuilders.get(name);
          if (!column) dateBuilders.set(name, (column = new Map()));
          if (times.length > 0) column.set(doc, times);
          continue;
        }
        const strings = list.filter((v): v is string => typeof v === 'string');
        if (strings.length > 0) add(name, doc, strings);
      }
    });
    for (const [field, terms] of builders) this.keyword.set(field, this.keywordField(terms));
    for (const [field, column] of dateBuilders) this.dates.set(field, this.dateColumn(column));
    this.tieOrder = this.tieOrderOf(sortByRanks);
    this.tiePosition = new Int32Array(this.size);
    this.tieOrder.forEach((doc, position) => (this.tiePosition[doc] = position));
  }

  get size(): number {
    return this.docIds.length;
  }

  /** The keyword field (undefined when no document has it). */
  field(name: string): KeywordField | undefined {
    return this.keyword.get(name);
  }

  /** The date field (undefined when no document has it). */
  dateField(name: string): DateField | undefined {
    return this.dates.get(name);
  }

  /** The document's stored correlators of an indicator (its `_source` list). */
  correlators(indicator: string, doc: number): string[] {
    const i = this.model.indicators.findIndex((entry) => entry.name === indicator);
    if (i < 0) return [];
    return Array.from(correlatorsOf(this.model, i, doc), (t) => this.model.terms[t]!);
  }

  private dateColumn(column: Map<number, number[]>): DateField {
    const offsets = new Int32Array(this.size + 1);
    const values: number[] = [];
    for (let doc = 0; doc < this.size; doc++) {
      offsets[doc] = values.length;
      for (const time of column.get(doc) ?? []) values.push(time);
    }
    offsets[this.size] = values.length;
    return { offsets, values: Float64Array.from(values) };
  }

  private keywordField(terms: Map<string, number[]>): KeywordField {
    const numShards = this.numShards;
    const slots = new Map<string, number>();
    const offsets = new Int32Array(terms.size + 1);
    let total = 0;
    for (const docs of terms.values()) total += docs.length;
    const docs = new Int32Array(total);
    const docFreq = new Int32Array(terms.size * numShards);
    const docCount = new Int32Array(numShards);
    const seen = new Uint8Array(this.size);
    let slot = 0;
    let at = 0;
    for (const [term, termDocs] of terms) {
      slots.set(term, slot);
      offsets[slot] = at;
      const sorted = docs.subarray(at, at + termDocs.length);
      sorted.set(termDocs);
      sorted.sort();
      for (const doc of sorted) {
        const shard = this.shards[doc]!;
        docFreq[slot * numShards + shard]!++;
        if (!seen[doc]) {
          seen[doc] = 1;
          docCount[shard]!++;
        }
      }
      at += termDocs.length;
      slot++;
    }
    offsets[slot] = at;
    return { slots, offsets, docs, docFreq, docCount };
  }

  private tieOrderOf(sortByRanks: boolean): Int32Array {
    const ranks = sortByRanks ? this.rankValues : [];
    return Int32Array.from({ length: this.size }, (_, doc) => doc).sort((a, b) => {
      for (const values of ranks) {
        const byRank = compareRanks(values[a]!, values[b]!);
        if (byRank !== 0) return byRank;
      }
      return this.shards[a]! - this.shards[b]! || compareIds(this.docIds[a]!, this.docIds[b]!);
    });
  }
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
