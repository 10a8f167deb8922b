import { defineEngine } from 'pio-deploy/engine';
import { UrDataSource } from './data-source.js';
import { UrPreparator } from './preparator.js';
import { UrAlgorithm } from './ur-algorithm.js';

/**
 * The Universal Recommender (UR 0.7.3) on the native runtime: correlated cross-occurrence over the
 * events named in engine.json, business rules and Elasticsearch-5-equal scores, no Spark or
 * Elasticsearch. The algorithm must be named "ur" in engine.json, as upstream.
 */
export function createEngine() {
  return defineEngine({
    datasource: UrDataSource,
    preparator: { create: () => new UrPreparator() },
    algorithms: { ur: UrAlgorithm },
  });
}
