import type { Algorithm, Serving } from '../engine/types.js';
import type { ServingState } from '../workflow/serving-state.js';
import { traceEventStore } from './storage-spans.js';
import { inSpan } from './tracing.js';

export interface ServingTimings {
  predicted(algorithm: string, seconds: number): void;
  served(seconds: number): void;
}

/** Calls `work`, then `done` with the seconds it took (when it settles, for a promise). */
function timed<T>(work: () => T, done: (seconds: number) => void): T {
  const started = performance.now();
  const result = work();
  if (result instanceof Promise) {
    return result.finally(() => done((performance.now() - started) / 1000)) as T;
  }
  done((performance.now() - started) / 1000);
  return result;
}

/** The same component with one method replaced; every other member still runs on the original. */
function overriding<T extends object>(target: T, name: PropertyKey, replacement: unknown): T {
  return new Proxy(target, {
    get(object, property) {
      if (property === name) return replacement;
      const value: unknown = Reflect.get(object, property, object);
      // Bound, so methods that use private fields still see the original as `this`.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/**
 * The serving state with each algorithm's `predict` and the serving's `serve` timed (metrics) and in
 * spans (tracing), and the engine's event store reads in spans. The original state is left as it is
 * (it may still be serving queries); with neither metrics nor tracing the state is returned unchanged.
 */
export function instrumentServingState(state: ServingState, options: { timings?: ServingTimings | undefined; tracing: boolean }): ServingState {
  const { timings, tracing } = options;
  if (!timings && !tracing) return state;
  const step = <T>(name: string, attributes: Record<string, string | number>, work: () => T, done: (seconds: number) => void): T => {
    const measured = () => (timings ? timed(work, done) : work());
    return tracing ? inSpan(name, attributes, measured) : measured();
  };
  const algorithms = state.components.algorithms.map((algorithm, index) => {
    const original: Algorithm = algorithm.instance;
    const predict: Algorithm['predict'] = (model, query, ctx) =>
      step(`predict ${algorithm.name}`, { 'pio.algorithm': algorithm.name, 'pio.algorithm_index': index }, () => original.predict(model, query, ctx), (seconds) =>
        timings?.predicted(algorithm.name, seconds),
      );
    return { ...algorithm, instance: overriding(original, 'predict', predict) };
  });
  const serving: Serving = state.components.serving.instance;
  const serve: Serving['serve'] = (query, predictions) =>
    step('serve', { 'pio.serving': state.components.serving.name }, () => serving.serve(query, predictions), (seconds) => timings?.served(seconds));
  return {
    ...state,
    components: {
      ...state.components,
      algorithms,
      serving: { ...state.components.serving, instance: overriding(serving, 'serve', serve) },
    },
    ctx: tracing ? { ...state.ctx, events: traceEventStore(state.ctx.events) } : state.ctx,
  };
}
