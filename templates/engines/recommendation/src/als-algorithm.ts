import { cpuQuota, z, type Algorithm, type EngineContext, type Json } from 'pio-deploy/engine';
import { recommendItems, trainAls, type AlsModel, type ItemScore } from './als.js';
import { trainAlsParallel } from './als-parallel.js';
import type { Query, TrainingData } from './data-source.js';

export interface PredictedResult {
  itemScores: ItemScore[];
}

export const alsParams = z.object({
  rank: z.number().int().positive().default(10),
  numIterations: z.number().int().positive().default(10),
  lambda: z.number().nonnegative().default(0.01),
  /** Without a seed every training starts from different random factors (as upstream). */
  seed: z.number().int().optional(),
});
export type AlsAlgorithmParams = z.infer<typeof alsParams>;

/** Below this many ratings starting worker threads costs more than it saves. */
const PARALLEL_MIN_RATINGS = 200_000;

/** A trained model plus the user lookup that predictions need. */
export interface ServedModel extends AlsModel {
  userIndex: Map<string, number>;
}

interface StoredModel {
  rank: number;
  userIds: string[];
  itemIds: string[];
  /** Little-endian float64 factors, base64: exact and about half the size of decimal JSON. */
  userFactors: string;
  itemFactors: string;
}

/** Collaborative filtering by explicit alternating least squares. */
export class AlsAlgorithm implements Algorithm<TrainingData, ServedModel, Query, PredictedResult> {
  static params = alsParams;

  constructor(readonly params: AlsAlgorithmParams) {}

  /** Small data trains at once on this thread; from `PARALLEL_MIN_RATINGS` on, on one worker per CPU of the quota. */
  train(ctx: EngineContext, data: TrainingData): ServedModel | Promise<ServedModel> {
    const size = 'size' in data.ratings ? data.ratings.size : data.ratings.length;
    if (size === 0) {
      throw new Error('No ratings to train on: import "rate" or "buy" events of users on items into the app first.');
    }
    if (this.params.numIterations > 30) {
      ctx.log.warn(`ALS numIterations is ${this.params.numIterations}; more than 30 rarely improves the model.`);
    }
    const params = { ...this.params, seed: this.params.seed ?? Math.floor(Math.random() * 2 ** 31) };
    const trained = (model: AlsModel, threads: number) => {
      ctx.log.info(`Trained ALS rank ${model.rank} on ${model.userIds.length} users and ${model.itemIds.length} items (${threads} thread${threads === 1 ? '' : 's'}).`);
      return withUserIndex(model);
    };
    const workers = size >= PARALLEL_MIN_RATINGS ? cpuQuota() : 1;
    if (workers === 1) return trained(trainAls(data.ratings, params), 1);
    return trainAlsParallel(data.ratings, params, workers).then((model) => trained(model, workers));
  }

  predict(model: ServedModel, query: Query, ctx: EngineContext): PredictedResult {
    const user = model.userIndex.get(query.user);
    if (user === undefined) {
      ctx.log.info(`No prediction for unknown user ${query.user}.`);
      return { itemScores: [] };
    }
    return { itemScores: recommendItems(model, user, query.num) };
  }

  serializeModel(model: ServedModel): Json {
    const stored: StoredModel = {
      rank: model.rank,
      userIds: model.userIds,
      itemIds: model.itemIds,
      userFactors: encodeFactors(model.userFactors),
      itemFactors: encodeFactors(model.itemFactors),
    };
    return stored as unknown as Json;
  }

  deserializeModel(data: unknown): ServedModel {
    const stored = data as StoredModel;
    return withUserIndex({
      rank: stored.rank,
      userIds: stored.userIds,
      itemIds: stored.itemIds,
      userFactors: decodeFactors(stored.userFactors, stored.userIds.length * stored.rank),
      itemFactors: decodeFactors(stored.itemFactors, stored.itemIds.length * stored.rank),
    });
  }
}

function withUserIndex(model: AlsModel): ServedModel {
  return { ...model, userIndex: new Map(model.userIds.map((id, i) => [id, i])) };
}

// Stored little-endian; the typed-array fast path applies on little-endian hosts (all Node platforms in use).
const littleEndianHost = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

function encodeFactors(factors: Float64Array): string {
  if (littleEndianHost) return Buffer.from(factors.buffer, factors.byteOffset, factors.byteLength).toString('base64');
  const bytes = Buffer.alloc(factors.length * 8);
  factors.forEach((value, i) => bytes.writeDoubleLE(value, i * 8));
  return bytes.toString('base64');
}

function decodeFactors(encoded: string, expected: number): Float64Array {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length !== expected * 8) {
    throw new Error(`Stored ALS model is corrupt: expected ${expected} factors, found ${bytes.length / 8}. Re-train the engine.`);
  }
  if (littleEndianHost) {
    // Copy into a fresh, 8-byte aligned buffer: Buffer.from may return a slice of Node's shared pool.
    const factors = new Float64Array(expected);
    new Uint8Array(factors.buffer).set(bytes);
    return factors;
  }
  return Float64Array.from({ length: expected }, (_, i) => bytes.readDoubleLE(i * 8));
}
