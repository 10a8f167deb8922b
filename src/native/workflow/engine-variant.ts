import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { JsonObject } from '../engine/types.js';
import { EngineWorkflowError } from './errors.js';

/** One component's settings from engine.json (`name` defaults to `""`, `params` to `{}`). */
export interface ComponentSettings {
  name: string;
  params: JsonObject;
}

/** An engine variant (engine.json or another variant file, BEHAVIOUR.md#engine-variants), validated. */
export interface EngineVariant {
  /** Absolute path of the variant file. */
  path: string;
  /** Canonical absolute path of the engine directory. */
  engineDir: string;
  /** Variant id (`engineVariant` column). */
  id: string;
  engineFactory: string;
  datasource: ComponentSettings;
  preparator: ComponentSettings;
  algorithms: ComponentSettings[];
  serving: ComponentSettings;
  /** Flattened to dotted keys. */
  sparkConf: Record<string, string>;
  plugins: Record<string, JsonObject>;
}

export interface EngineLocation {
  engineDir: string;
  variantPath: string;
}

/** `--engine-dir` (default: cwd) and `--variant` (default: `<engine-dir>/engine.json`, relative to cwd). */
export async function locateEngine(options: { engineDir?: string | undefined; variant?: string | undefined }, cwd = process.cwd()): Promise<EngineLocation> {
  const givenDir = resolve(cwd, options.engineDir ?? '.');
  let engineDir: string;
  try {
    engineDir = await realpath(givenDir);
  } catch {
    throw new EngineWorkflowError(`Engine directory ${givenDir} does not exist. Pass an existing directory with --engine-dir.`);
  }
  const variantPath = options.variant
    ? isAbsolute(options.variant) ? options.variant : resolve(cwd, options.variant)
    : resolve(engineDir, 'engine.json');
  return { engineDir, variantPath };
}

/** Upstream's engineVersion: SHA-1 (hex) of the canonical engine directory path (BEHAVIOUR.md#engine-identity). */
export function engineVersionOf(engineDir: string): string {
  return createHash('sha1').update(engineDir, 'utf8').digest('hex');
}

/** The engine identity an instance is stored and looked up under (BEHAVIOUR.md#engine-identity). */
export interface EngineIdentity {
  engineId: string;
  engineVersion: string;
  engineVariant: string;
}

export function engineIdentityOf(variant: Pick<EngineVariant, 'engineFactory' | 'engineDir' | 'id'>): EngineIdentity {
  return { engineId: variant.engineFactory, engineVersion: engineVersionOf(variant.engineDir), engineVariant: variant.id };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function componentSettings(json: JsonObject, field: string, variantPath: string): ComponentSettings {
  const member = json[field];
  if (member === undefined || member === null) return { name: '', params: {} };
  if (!isObject(member) || (member.name === undefined && member.params === undefined)) {
    throw new EngineWorkflowError(
      `Unable to find 'name' or 'params' fields in ${JSON.stringify(member)}.\n` +
        `Please make sure '${field}' in ${variantPath} is an object like {"name": "", "params": {}}.`,
    );
  }
  const name = member.name ?? '';
  const params = member.params ?? {};
  if (typeof name !== 'string') throw new EngineWorkflowError(`${variantPath}: ${field}.name must be a string.`);
  if (!isObject(params)) throw new EngineWorkflowError(`${variantPath}: ${field}.params must be a JSON object.`);
  return { name, params };
}

function algorithmSettings(json: JsonObject, variantPath: string): ComponentSettings[] {
  const member = json.algorithms;
  if (member === undefined || member === null) return [{ name: '', params: {} }];
  if (!Array.isArray(member)) throw new EngineWorkflowError(`${variantPath}: algorithms must be an array of {"name", "params"} objects.`);
  return member.map((entry, index) => {
    if (!isObject(entry)) throw new EngineWorkflowError(`${variantPath}: algorithms[${index}] must be an object like {"name": "als", "params": {}}.`);
    const name = entry.name ?? '';
    const params = entry.params ?? {};
    if (typeof name !== 'string') throw new EngineWorkflowError(`${variantPath}: algorithms[${index}].name must be a string.`);
    if (!isObject(params)) throw new EngineWorkflowError(`${variantPath}: algorithms[${index}].params must be a JSON object.`);
    return { name, params };
  });
}

/** `{"spark":{"executor":{"memory":"4g"}}}` ≡ `{"spark.executor.memory":"4g"}`; arrays are not allowed. */
export function flattenSparkConf(value: unknown, variantPath: string, prefix = ''): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new EngineWorkflowError(`${variantPath}: sparkConf must be a JSON object.`);
  const result: Record<string, string> = {};
  for (const [key, member] of Object.entries(value)) {
    const dotted = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(member)) throw new EngineWorkflowError(`${variantPath}: sparkConf.${dotted} must not be an array.`);
    if (isObject(member)) Object.assign(result, flattenSparkConf(member, variantPath, dotted));
    else result[dotted] = member === null ? '' : String(member);
  }
  return result;
}

/** Validates parsed variant JSON (separate from reading so best.json and tests can use it). */
export function parseEngineVariant(json: unknown, variantPath: string, engineDir: string): EngineVariant {
  if (!isObject(json)) throw new EngineWorkflowError(`${variantPath} must contain a JSON object.`);
  const engineFactory = json.engineFactory;
  if (typeof engineFactory !== 'string' || engineFactory === '') {
    throw new EngineWorkflowError(`unable to read engine factory from ${variantPath}. Aborting.`);
  }
  const id = json.id;
  if (typeof id !== 'string' || id === '') {
    throw new EngineWorkflowError(`Unable to read engine variant ID from ${variantPath}. Aborting.`);
  }
  const plugins: Record<string, JsonObject> = {};
  if (isObject(json.plugins)) {
    for (const [name, settings] of Object.entries(json.plugins)) if (isObject(settings)) plugins[name] = settings;
  }
  return {
    path: variantPath,
    engineDir,
    id,
    engineFactory,
    datasource: componentSettings(json, 'datasource', variantPath),
    preparator: componentSettings(json, 'preparator', variantPath),
    algorithms: algorithmSettings(json, variantPath),
    serving: componentSettings(json, 'serving', variantPath),
    sparkConf: flattenSparkConf(json.sparkConf, variantPath),
    plugins,
  };
}

export async function readEngineVariant(location: EngineLocation): Promise<EngineVariant> {
  let text: string;
  try {
    text = await readFile(location.variantPath, 'utf8');
  } catch {
    throw new EngineWorkflowError(
      `${location.variantPath} does not exist. Run this command in an engine directory, or pass --engine-dir <dir> (and --variant <file> for another variant).`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EngineWorkflowError(`${location.variantPath} is not valid JSON (${(error as Error).message}). Fix the file and retry.`);
  }
  return parseEngineVariant(json, location.variantPath, location.engineDir);
}
