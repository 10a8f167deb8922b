import type { Json, JsonObject } from 'pio-deploy/engine';

/**
 * The trained model, one document per item as UR writes to Elasticsearch: per indicator the
 * correlated item ids (best first, weights dropped), the item's properties, and its rank values.
 * Item ids are stored once (`terms`); documents and correlators refer to them by index.
 */
export interface UrModel {
  appName: string;
  /** Every item id the model mentions. */
  terms: string[];
  /** Term index of each document's id. */
  docs: Int32Array;
  indicators: Array<{ name: string; offsets: Int32Array; targets: Int32Array }>;
  /** Per document, its properties (null: none). */
  properties: Array<JsonObject | null>;
  /** In sort priority order; NaN = the item has no such rank. */
  ranks: Array<{ name: string; values: Float64Array }>;
}

export function correlatorsOf(model: UrModel, indicator: number, doc: number): Int32Array {
  const { offsets, targets } = model.indicators[indicator]!;
  return targets.subarray(offsets[doc], offsets[doc + 1]);
}

const FORMAT = 'ur-model/1';

interface StoredModel {
  format: typeof FORMAT;
  appName: string;
  terms: string[];
  docs: string;
  indicators: Array<{ name: string; offsets: string; targets: string }>;
  properties: Array<JsonObject | null>;
  ranks: Array<{ name: string; values: Array<number | null> }>;
}

const encodeInts = (values: Int32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

function decodeInts(text: string): Int32Array {
  const bytes = Buffer.from(text, 'base64');
  const values = new Int32Array(bytes.length / 4);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}

export function serializeUrModel(model: UrModel): Json {
  const stored: StoredModel = {
    format: FORMAT,
    appName: model.appName,
    terms: model.terms,
    docs: encodeInts(model.docs),
    indicators: model.indicators.map((i) => ({ name: i.name, offsets: encodeInts(i.offsets), targets: encodeInts(i.targets) })),
    properties: model.properties,
    ranks: model.ranks.map((r) => ({ name: r.name, values: Array.from(r.values, (v) => (Number.isNaN(v) ? null : v)) })),
  };
  return stored as unknown as Json;
}

export function deserializeUrModel(data: unknown): UrModel {
  const stored = data as StoredModel;
  if (stored?.format !== FORMAT) throw new Error('The stored model is not a Universal Recommender model of this version: re-train the engine.');
  return {
    appName: stored.appName,
    terms: stored.terms,
    docs: decodeInts(stored.docs),
    indicators: stored.indicators.map((i) => ({ name: i.name, offsets: decodeInts(i.offsets), targets: decodeInts(i.targets) })),
    properties: stored.properties,
    ranks: stored.ranks.map((r) => ({ name: r.name, values: Float64Array.from(r.values, (v) => v ?? Number.NaN) })),
  };
}
