import { javaFloatScoreString } from './float-format.js';
import type { PredictedResult } from './query.js';
import { javaDoubleString } from 'pio-deploy/engine';

/**
 * The response body as UR's engine server prints it (json4s, compact): scores as Java prints the
 * double read back from Elasticsearch's float, ranks as doubles.
 */
export function renderPrediction(prediction: PredictedResult): string {
  const items = prediction.itemScores.map((score) => {
    let text = `{"item":${JSON.stringify(score.item)},"score":${javaFloatScoreString(score.score)}`;
    if (score.ranks) {
      const ranks = Object.entries(score.ranks).map(([name, value]) => `${JSON.stringify(name)}:${javaDoubleString(value)}`);
      text += `,"ranks":{${ranks.join(',')}}`;
    }
    return `${text}}`;
  });
  return `{"itemScores":[${items.join(',')}]}`;
}
