import { defineEngine, jsonString, z } from 'pio-deploy/engine';
import { AlsAlgorithm } from './als-algorithm.js';
import { RatingsDataSource } from './data-source.js';

/**
 * Recommendation engine: `rate`/`buy` events → ALS → `{"user":"1","num":4}` answers
 * `{"itemScores":[{"item":"…","score":…}, …]}`; unknown users get an empty list.
 */
export function createEngine() {
  return defineEngine({
    datasource: RatingsDataSource,
    algorithms: { als: AlsAlgorithm },
    query: z.object({ user: jsonString(), num: z.number().int().positive() }),
  });
}
