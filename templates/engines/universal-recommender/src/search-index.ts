import { parseEsDate } from './dates.js';
import { correlatorsOf, type UrModel } from './model.js';
import { IntVector } from './int-vector.js';
import { shardOf } from './murmur3.js';

/**
 * One keyword field as flat posting lists: a term's documents are `docs[offsets[slot]..offsets[slot + 1])`,
 * grouped by shard (shard 0's first, each group ascending), so a group is the run of documents sharing
 * one BM25 term score. Per term and shard its document frequency (the group's length), and per shard how
 * many documents have the field at all: the two counts BM25's idf needs (Elasticsearch computes idf per
 * shard).
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
    const keyword = new Map<string, KeywordFieldBuilder>();
    const keywordField = (name: string) => {
      let builder = keyword.get(name);
      if (!builder) keyword.set(name, (builder = new KeywordFieldBuilder()));
      return builder;
    };
    model.indicators.forEach((indicator, i) => {
      const builder = keywordField(indicator.name);
      for (let doc = 0; doc < this.size; doc++) {
        const targets = correlatorsOf(model, i, doc);
        if (targets.length > 0) builder.addTerms(doc, targets, model.terms);
      }
    });
    const dateFields = new Set(dateNames);
    const dates = new Map<string, DateFieldBuilder>();
    const parsedDates = new Map<string, number | undefined>();
    const parseDate = (text: string) => {
      if (!parsedDates.has(text)) parsedDates.set(text, parseEsDate(text));
      return parsedDates.get(text);
    };
    model.properties.forEach((fields, doc) => {
      if (!fields) return;
      for (const [name, value] of Object.entries(fields)) {
        if (rankNames.has(name)) continue;
        const list = Array.isArray(value) ? value : [value];
        if (dateFields.has(name)) {
          const times: number[] = [];
          for (const v of list) {
            const time = typeof v === 'string' ? parseDate(v) : typeof v === 'number' ? v : undefined;
            if (time !== undefined) times.push(time);
          }
          let builder = dates.get(name);
          if (!builder) dates.set(name, (builder = new DateFieldBuilder()));
          builder.add(doc, times);
          continue;
        }
        const strings = list.filter((v): v is string => typeof v === 'string');
        if (strings.length > 0) keywordField(name).addStrings(doc, strings);
      }
    });
    for (const [name, builder] of keyword) this.keyword.set(name, builder.build(this.shards, numShards));
    for (const [name, builder] of dates) this.dates.set(name, builder.build(this.size));
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

/**
 * One keyword field's postings as they are added, document by document, in two integer columns; then
 * laid out flat by term. A document's values count once per add (as a Set of them would), and each
 * term's documents come out ascending.
 */
class KeywordFieldBuilder {
  private readonly slots = new Map<string, number>();
  /** Slots by model term index, for correlators (-1: not looked up yet). */
  private slotByTerm: Int32Array | undefined;
  /** Per slot, the add call that last posted it. */
  private readonly lastAdd: number[] = [];
  private addCall = 0;
  private readonly postingSlots = new IntVector();
  private readonly postingDocs = new IntVector();

  addTerms(doc: number, termIndices: Int32Array, terms: readonly string[]) {
    const slotByTerm = (this.slotByTerm ??= new Int32Array(terms.length).fill(-1));
    const call = ++this.addCall;
    for (const term of termIndices) {
      let slot = slotByTerm[term]!;
      if (slot < 0) slot = slotByTerm[term] = this.slotOf(terms[term]!);
      this.post(slot, doc, call);
    }
  }

  addStrings(doc: number, values: readonly string[]) {
    const call = ++this.addCall;
    for (const value of values) this.post(this.slotOf(value), doc, call);
  }

  build(shards: Int32Array, numShards: number): KeywordField {
    const numSlots = this.slots.size;
    const count = this.postingSlots.length;
    const offsets = new Int32Array(numSlots + 1);
    for (let i = 0; i < count; i++) offsets[this.postingSlots.get(i) + 1]!++;
    for (let slot = 0; slot < numSlots; slot++) offsets[slot + 1]! += offsets[slot]!;
    const docs = new Int32Array(count);
    const cursor = offsets.slice(0, numSlots);
    for (let i = 0; i < count; i++) docs[cursor[this.postingSlots.get(i)]!++] = this.postingDocs.get(i);
    const docFreq = new Int32Array(numSlots * numShards);
    const docCount = new Int32Array(numShards);
    const seen = new Uint8Array(shards.length);
    const shardCursor = new Int32Array(numShards);
    let scratch = new Int32Array(0);
    for (let slot = 0; slot < numSlots; slot++) {
      const start = offsets[slot]!;
      const end = offsets[slot + 1]!;
      // Documents are added in ascending order except when properties share an indicator's name.
      for (let at = start + 1; at < end; at++) {
        if (docs[at - 1]! > docs[at]!) {
          docs.subarray(start, end).sort();
          break;
        }
      }
      for (let at = start; at < end; at++) {
        const doc = docs[at]!;
        docFreq[slot * numShards + shards[doc]!]!++;
        if (!seen[doc]) {
          seen[doc] = 1;
          docCount[shards[doc]!]!++;
        }
      }
      // Group by shard, keeping each group ascending (a stable counting sort).
      if (numShards > 1 && end - start > 1) {
        if (scratch.length < end - start) scratch = new Int32Array(Math.max(end - start, 2 * scratch.length));
        let next = 0;
        for (let shard = 0; shard < numShards; shard++) {
          shardCursor[shard] = next;
          next += docFreq[slot * numShards + shard]!;
        }
        for (let at = start; at < end; at++) scratch[shardCursor[shards[docs[at]!]!]!++] = docs[at]!;
        docs.set(scratch.subarray(0, end - start), start);
      }
    }
    return { slots: this.slots, offsets, docs, docFreq, docCount };
  }

  private slotOf(term: string): number {
    let slot = this.slots.get(term);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(term, slot);
      this.lastAdd.push(0);
    }
    return slot;
  }

  private post(slot: number, doc: number, call: number) {
    if (this.lastAdd[slot] === call) return;
    this.lastAdd[slot] = call;
    this.postingSlots.push(slot);
    this.postingDocs.push(doc);
  }
}

/** A date field's values as they are added, in ascending document order (each document once). */
class DateFieldBuilder {
  private readonly docs = new IntVector();
  private readonly times: number[] = [];

  add(doc: number, times: readonly number[]) {
    for (const time of times) {
      this.docs.push(doc);
      this.times.push(time);
    }
  }

  build(numDocs: number): DateField {
    const offsets = new Int32Array(numDocs + 1);
    for (let i = 0; i < this.docs.length; i++) offsets[this.docs.get(i) + 1]!++;
    for (let doc = 0; doc < numDocs; doc++) offsets[doc + 1]! += offsets[doc]!;
    return { offsets, values: Float64Array.from(this.times) };
  }
}
