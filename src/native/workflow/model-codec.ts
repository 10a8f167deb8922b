import { z } from 'zod';
import type { Json, ModelData } from '../engine/types.js';
import { EngineWorkflowError } from './errors.js';

/**
 * The blob stored in the models table for one engine instance (spec §4.7): UTF-8 JSON
 * `{"format":"pio-ts-models/1","models":[…]}` with one entry per algorithm in engine.json order:
 *
 * - `{"kind":"json","value":<model JSON>}`        the model (or what `serializeModel` returned) as JSON
 * - `{"kind":"binary","base64":"…"}`              `serializeModel` returned bytes (compact numeric models)
 * - `{"kind":"persistent","modelId":"<id>"}`      the algorithm saved the model itself (`saveModel` → true);
 *                                                 its `loadModel(modelId)` restores it at deploy time
 * - `{"kind":"retrain"}`                          nothing stored: re-trained when deployed (upstream's
 *                                                 PAlgorithm / `saveModel` → false)
 *
 * Upstream's Kryo blobs are JVM-only; this format is ours and self-describing.
 */
export const MODELS_FORMAT = 'pio-ts-models/1';

export type StoredModel =
  | { kind: 'json'; value: Json }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'persistent'; modelId: string }
  | { kind: 'retrain' };

const entrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('json'), value: z.unknown() }),
  z.object({ kind: z.literal('binary'), base64: z.string() }),
  z.object({ kind: z.literal('persistent'), modelId: z.string() }),
  z.object({ kind: z.literal('retrain') }),
]);
const envelopeSchema = z.object({ format: z.literal(MODELS_FORMAT), models: z.array(entrySchema) });

export function storedModelFrom(data: ModelData | undefined): StoredModel {
  if (data === undefined) return { kind: 'retrain' };
  if (data instanceof Uint8Array) return { kind: 'binary', bytes: data };
  return { kind: 'json', value: data };
}

export function encodeModels(models: StoredModel[]): Uint8Array {
  const entries = models.map((model) => {
    switch (model.kind) {
      case 'binary':
        return { kind: 'binary', base64: Buffer.from(model.bytes).toString('base64') };
      default:
        return model;
    }
  });
  return Buffer.from(JSON.stringify({ format: MODELS_FORMAT, models: entries }), 'utf8');
}

export function decodeModels(blob: Uint8Array, instanceId: string): StoredModel[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('utf8'));
  } catch {
    throw new EngineWorkflowError(
      `The model of engine instance ${instanceId} is not in ${MODELS_FORMAT} format (trained by Apache PredictionIO?). Run 'pio train' with this runtime.`,
    );
  }
  const result = envelopeSchema.safeParse(parsed);
  if (!result.success) {
    throw new EngineWorkflowError(`The model of engine instance ${instanceId} is not in ${MODELS_FORMAT} format. Run 'pio train' again.`);
  }
  return result.data.models.map((entry): StoredModel => {
    switch (entry.kind) {
      case 'json':
        return { kind: 'json', value: entry.value as Json };
      case 'binary':
        return { kind: 'binary', bytes: new Uint8Array(Buffer.from(entry.base64, 'base64')) };
      default:
        return entry;
    }
  });
}
