import { parseEsDate } from '../../src/dates.js';
import { correlatorsOf, type UrModel } from '../../src/model.js';
import { shardOf } from '../../src/murmur3.js';

/** One keyword field: term → documents (ascending), and per shard how many documents have the field. */
interface KeywordField {
  postings: Map<string, Int32Array>;
  docCount: Int32Array;
}

/**
 * The first index (posting lists per term in Maps), kept with the reference recommend.
 *
 * The in-memory stand-in for UR's Elasticsearch index: keyword fields (correlators and list
 * properties) as posting lists, date fields as epoch milliseconds, rank fields as floats, and each
 * document's shard, since Elasticsearch computes idf per shard.
 */
export class ReferenceSearchIndex {
  readonly docIds: string[];
  readonly shards: Int32Array;
  readonly docByItem = new Map<string, number>();
  private readonly keyword = new Map<string, KeywordField>();
  private readonly dates = new Map<string, Array<number[] | undefined>>();
  /** Float32, as the `float` mapping stores them; NaN = missing. */
  readonly rankValues: Float32Array[];

  constructor(
    readonly model: UrModel,
    readonly numShards: number,
    dateNames: readonly string[],
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
    model.properties.forEach((fields, doc) => {
      if (!fields) return;
      for (const [name, value] of Object.entries(fields)) {
        if (rankNames.has(name)) continue;
        const list = Array.isArray(value) ? value : [value];
        if (dateFields.has(name)) {
          const times = list.flatMap((v) => (typeof v === 'string' ? (parseEsDate(v) ?? []) : typeof v === 'number' ? [v] : []));
          let column = this.dates.get(name);
          if (!column) this.dates.set(name, (column = []));
          if (times.length > 0) column[doc] = times;
          continue;
        }
        const strings = list.filter((v): v is string => typeof v === 'string');
        if (strings.length > 0) add(name, doc, strings);
      }
    });
    for (const [field, terms] of builders) {
      const docCount = new Int32Array(numShards);
      const seen = new Uint8Array(this.docIds.length);
      const postings = new Map<string, Int32Array>();
      for (const [term, docs] of terms) {
        const sorted = Int32Array.from(docs).sort();
        postings.set(term, sorted);
        for (const doc of sorted) {
          if (!seen[doc]) {
            seen[doc] = 1;
            docCount[this.shards[doc]!]!++;
          }
        }
      }
      this.keyword.set(field, { postings, docCount });
    }
  }

  get size(): number {
    return this.docIds.length;
  }

  /** Documents containing the term (empty when the field or term is unknown). */
  postings(field: string, term: string): Int32Array {
    return this.keyword.get(field)?.postings.get(term) ?? EMPTY;
  }

  /** Documents of the shard that have the field at all (Lucene's `docCount`). */
  docCount(field: string, shard: number): number {
    return this.keyword.get(field)?.docCount[shard] ?? 0;
  }

  hasAnyTerm(field: string, terms: readonly string[], doc: number): boolean {
    return terms.some((term) => binarySearch(this.postings(field, term), doc));
  }

  dateValues(field: string, doc: number): number[] | undefined {
    return this.dates.get(field)?.[doc];
  }

  isDateField(field: string): boolean {
    return this.dates.has(field);
  }

  /** The document's stored correlators of an indicator (its `_source` list). */
  correlators(indicator: string, doc: number): string[] {
    const i = this.model.indicators.findIndex((entry) => entry.name === indicator);
    if (i < 0) return [];
    return Array.from(correlatorsOf(this.model, i, doc), (t) => this.model.terms[t]!);
  }

  properties(doc: number) {
    return this.model.properties[doc] ?? null;
  }
}

const EMPTY = new Int32Array(0);

function binarySearch(sorted: Int32Array, value: number): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = sorted[mid]!;
    if (at === value) return true;
    if (at < value) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}
