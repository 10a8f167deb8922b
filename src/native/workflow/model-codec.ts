import type { Json, ModelData } from '../engine/types.js';
import { EngineWorkflowError } from './errors.js';

/**
 * The blob stored in the models table for one engine instance (BEHAVIOUR.md#engine-instances-and-models): UTF-8 JSON
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

type StoredEntry =
  | { kind: 'json'; value: unknown }
  | { kind: 'binary'; base64: string }
  | { kind: 'persistent'; modelId: string }
  | { kind: 'retrain' };

// Checked with plain code rather than zod: decoding models is on `pio deploy`'s start path, and zod
// would be loaded only for this check there (bench/startup).
function isStoredEntry(value: unknown): value is StoredEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  switch (entry.kind) {
    case 'json':
      return true; // a missing value reads as undefined
    case 'binary':
      return typeof entry.base64 === 'string';
    case 'persistent':
      return typeof entry.modelId === 'string';
    case 'retrain':
      return true;
    default:
      return false;
  }
}

function storedEntries(value: unknown): StoredEntry[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const envelope = value as Record<string, unknown>;
  if (envelope.format !== MODELS_FORMAT || !Array.isArray(envelope.models) || !envelope.models.every(isStoredEntry)) return undefined;
  return envelope.models;
}

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
  const entries = storedEntries(parsed);
  if (!entries) {
    throw new EngineWorkflowError(`The model of engine instance ${instanceId} is not in ${MODELS_FORMAT} format. Run 'pio train' again.`);
  }
  return entries.map((entry): StoredModel => {
    switch (entry.kind) {
      case 'json':
        return { kind: 'json', value: entry.value as Json };
      case 'binary':
        return { kind: 'binary', bytes: new Uint8Array(Buffer.from(entry.base64, 'base64')) };
      case 'persistent':
        return { kind: 'persistent', modelId: entry.modelId };
      default:
        return { kind: 'retrain' };
    }
  });
}
