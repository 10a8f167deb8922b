import type {
  Algorithm,
  Component,
  DataSource,
  EngineDefinition,
  EngineParams,
  Evaluation,
  JsonObject,
  NamedComponents,
  Preparator,
  Schema,
  Serving,
} from '../engine/types.js';
import { EngineWorkflowError, errorMessage } from './errors.js';
import type { ComponentSettings } from './engine-variant.js';

/**
 * Turns what an engine module exports into a validated engine definition, and engine params (from
 * engine.json, an engine-instance row or an evaluation) into constructed components. Everything is
 * checked structurally: the engine bundle carries its own copy of the API module.
 */

export interface ResolvedEngine {
  definition: EngineDefinition;
  engineParams?: ((key: string) => Promise<EngineParams>) | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isEvaluation(value: unknown): value is Evaluation {
  return isObject(value) && 'engineFactory' in value && isObject(value.metric);
}

function isDefinition(value: unknown): value is EngineDefinition {
  return isObject(value) && 'datasource' in value && isObject(value.algorithms);
}

/** Resolves a factory function, a definition, or an evaluation (whose engine factory is used). */
export async function resolveEngineFactory(exported: unknown, spec: string): Promise<ResolvedEngine> {
  if (isEvaluation(exported)) return resolveEngineFactory(exported.engineFactory, spec);
  let definition: unknown = exported;
  let engineParams: ResolvedEngine['engineParams'];
  if (typeof exported === 'function') {
    try {
      definition = await (exported as () => unknown)();
    } catch (error) {
      throw new EngineWorkflowError(`Engine factory ${spec} failed: ${errorMessage(error)}`, { cause: error });
    }
    const keyed = (exported as { engineParams?: (key: string) => EngineParams | Promise<EngineParams> }).engineParams;
    if (typeof keyed === 'function') engineParams = async (key) => keyed(key);
  }
  if (!isDefinition(definition)) {
    throw new EngineWorkflowError(
      `Engine factory ${spec} must be (or return) an engine definition {datasource, algorithms: {name: Algorithm}, preparator?, serving?}.`,
    );
  }
  if (Object.keys(definition.algorithms).length === 0) {
    throw new EngineWorkflowError(`Engine factory ${spec} defines no algorithms.`);
  }
  return { definition, engineParams };
}

function isComponent(value: unknown): value is Component<unknown> {
  return typeof value === 'function' || (isObject(value) && typeof value.create === 'function');
}

/** A single component answers to name `""`; a map answers to its keys. */
function pickComponent<T>(components: NamedComponents<T> | undefined, name: string): Component<T> | undefined {
  if (components === undefined) return undefined;
  if (isComponent(components)) return name === '' ? components : undefined;
  const named = (components as Record<string, Component<T>>)[name];
  return isComponent(named) ? named : undefined;
}

/** Where params came from, for error messages (`engine.json: algorithms[0].params`). */
export interface ParamsOrigin {
  source: string;
  path: string;
}

function validateParams<P>(schema: Schema<P> | undefined, params: JsonObject, field: string, name: string, origin: ParamsOrigin): P {
  if (!schema) return params as P;
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => {
      const at = [origin.path, ...issue.path.map(String)].join('.');
      return `  ${origin.source}: ${at}: ${issue.message}`;
    })
    .join('\n');
  throw new EngineWorkflowError(
    `Unable to extract parameters for ${field} '${name}' from JSON string: ${JSON.stringify(params)}. Aborting workflow.\n${details}`,
  );
}

function construct<T>(component: Component<T>, params: unknown): T {
  if (typeof component === 'function') return new component(params);
  return component.create(params);
}

interface Constructed<T> {
  name: string;
  instance: T;
  /** The validated params (defaults filled in), as stored in engine-instance rows. */
  params: unknown;
}

function build<T>(
  components: NamedComponents<T> | undefined,
  fallback: Component<T> | undefined,
  settings: ComponentSettings,
  field: string,
  origin: ParamsOrigin,
): Constructed<T> {
  const component = pickComponent(components, settings.name) ?? (components === undefined && settings.name === '' ? fallback : undefined);
  if (!component) throw new EngineWorkflowError(`Unable to find ${field} class with name '${settings.name}' defined in Engine.`);
  const params: unknown = validateParams(component.params, settings.params, field, settings.name, origin);
  try {
    return { name: settings.name, instance: construct(component, params), params };
  } catch (error) {
    throw new EngineWorkflowError(`Unable to construct ${field} '${settings.name}': ${errorMessage(error)}`, { cause: error });
  }
}

export interface EngineSettings {
  datasource: ComponentSettings;
  preparator: ComponentSettings;
  algorithms: ComponentSettings[];
  serving: ComponentSettings;
}

export interface EngineComponents {
  datasource: Constructed<DataSource>;
  preparator: Constructed<Preparator>;
  algorithms: Array<Constructed<Algorithm>>;
  serving: Constructed<Serving>;
  /** The query parser of `/queries.json` and batch predict (BEHAVIOUR.md#serving-a-query step 1). */
  parseQuery: (json: unknown) => unknown;
  predictionToJson: (prediction: unknown) => unknown;
}

const identityPreparator: Component<Preparator> = { create: () => ({ prepare: (_ctx, td) => td }) };
const firstServing: Component<Serving> = {
  create: () => ({
    serve: (_q, predictions) => predictions[0],
  }),
};

/** Constructs every component with validated params. `source` names where the settings came from. */
export function instantiateEngine(definition: EngineDefinition, settings: EngineSettings, source: string): EngineComponents {
  if (settings.algorithms.length === 0) {
    throw new EngineWorkflowError('EngineParams.algorithmParamsList must have at least 1 element.');
  }
  const datasource = build(definition.datasource, undefined, settings.datasource, 'datasource', { source, path: 'datasource.params' });
  const preparator = build(definition.preparator, identityPreparator, settings.preparator, 'preparator', { source, path: 'preparator.params' });
  const algorithms = settings.algorithms.map((algorithm, index) =>
    build(definition.algorithms, undefined, algorithm, 'algorithm', { source, path: `algorithms[${index}].params` }),
  );
  const serving = build(definition.serving, firstServing, settings.serving, 'serving', { source, path: 'serving.params' });
  const first = algorithms[0]!.instance;
  const querySchema = definition.query;
  const parseQuery = first.queryFromJson
    ? (json: unknown): unknown => first.queryFromJson!(json as never)
    : querySchema
      ? (json: unknown) => {
          const result = querySchema.safeParse(json);
          if (result.success) return result.data;
          throw new QueryMappingError(
            result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(query)'}: ${issue.message}`).join('; '),
          );
        }
      : (json: unknown) => json;
  const predictionToJson = first.predictionToJson ? (p: unknown) => first.predictionToJson!(p) : (p: unknown) => p;
  return { datasource, preparator, algorithms, serving, parseQuery, predictionToJson };
}

/** A query body that does not fit the engine's query type (answered 400). */
export class QueryMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryMappingError';
  }
}

/** Engine params in engine.json form (from `engineParams(key)` or an evaluation) → settings. */
export function settingsFromEngineParams(params: EngineParams): EngineSettings {
  // Params objects from code may hold `undefined` members; JSON round-trip gives what engine.json would.
  const json = (params: Record<string, unknown> | undefined) => JSON.parse(JSON.stringify(params ?? {})) as JsonObject;
  const component = (value: EngineParams['datasource']): ComponentSettings => ({ name: value?.name ?? '', params: json(value?.params) });
  return {
    datasource: component(params.datasource),
    preparator: component(params.preparator),
    algorithms: (params.algorithms ?? [{ name: '' }]).map((algorithm) => ({ name: algorithm.name, params: json(algorithm.params) })),
    serving: component(params.serving),
  };
}

// ---------------------------------------------------------------------------------------------------
// Params columns of engine instances (BEHAVIOUR.md#value-encodings): `{"<name>":<params>}` and `[{"<name>":<params>}, …]`
// ---------------------------------------------------------------------------------------------------

export interface ParamsColumns {
  dataSourceParams: string;
  preparatorParams: string;
  algorithmsParams: string;
  servingParams: string;
}

const named = (constructed: { name: string; params: unknown }) => ({ [constructed.name]: constructed.params ?? {} });

export function paramsColumns(components: Pick<EngineComponents, 'datasource' | 'preparator' | 'algorithms' | 'serving'>): ParamsColumns {
  return {
    dataSourceParams: JSON.stringify(named(components.datasource)),
    preparatorParams: JSON.stringify(named(components.preparator)),
    algorithmsParams: JSON.stringify(components.algorithms.map(named)),
    servingParams: JSON.stringify(named(components.serving)),
  };
}

function singleEntry(text: string, column: string): ComponentSettings {
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  if (!isObject(parsed)) throw new EngineWorkflowError(`Engine instance column ${column} is not a JSON object: ${text}`);
  const entries = Object.entries(parsed);
  if (entries.length === 0) return { name: '', params: {} };
  const [name, params] = entries[0]!;
  return { name, params: isObject(params) ? (params as JsonObject) : {} };
}

/** The settings an engine instance was trained with (deploy uses these, not the current engine.json). */
export function settingsFromColumns(columns: ParamsColumns): EngineSettings {
  const algorithms: unknown = columns.algorithmsParams === '' ? [] : JSON.parse(columns.algorithmsParams);
  if (!Array.isArray(algorithms)) throw new EngineWorkflowError(`Engine instance column algorithmsParams is not a JSON array.`);
  return {
    datasource: singleEntry(columns.dataSourceParams, 'datasourceParams'),
    preparator: singleEntry(columns.preparatorParams, 'preparatorParams'),
    algorithms: algorithms.map((entry) => singleEntry(JSON.stringify(entry), 'algorithmsParams')),
    serving: singleEntry(columns.servingParams, 'servingParams'),
  };
}

/** `{"dataSourceParams":{"":{…}},…}`: upstream's rendering of engine params in eval output. */
export function engineParamsJson(components: Pick<EngineComponents, 'datasource' | 'preparator' | 'algorithms' | 'serving'>) {
  return {
    dataSourceParams: named(components.datasource),
    preparatorParams: named(components.preparator),
    algorithmParamsList: components.algorithms.map(named),
    servingParams: named(components.serving),
  };
}
