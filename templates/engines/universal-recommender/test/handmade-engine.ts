import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { EventStore } from 'pio-deploy/engine';
import { renderPredictionJson } from '../../../../src/native/engine/java-double.js';
import { parseJsonValue } from '../../../../src/native/events/json.js';
import { UrDataSource } from '../src/data-source.js';
import { algorithmParams, dataSourceParams } from '../src/params.js';
import { UrPreparator } from '../src/preparator.js';
import { UrAlgorithm } from '../src/ur-algorithm.js';
import { handmadeEvents, scriptDates } from './handmade-import.js';
import { memoryEventStore, testContext } from './memory-event-store.js';

const fixtures = fileURLToPath(new URL('./fixtures/handmade/', import.meta.url));
export const fixture = (name: string) => readFile(`${fixtures}${name}`, 'utf8');

/** The 28 answers of upstream's integration test, from its expected output. */
export async function expectedAnswers(): Promise<string[]> {
  return (await fixture('integration-test-expected.txt')).split('\n').filter((line) => line.startsWith('{"itemScores"'));
}

/** The 28 request bodies, with the script's dates filled in. */
export async function handmadeQueries(now: number): Promise<string[]> {
  const { before, after } = scriptDates(now);
  const bodies = JSON.parse(await fixture('queries.json')) as string[];
  return bodies.map((body) => body.replace('$BEFORE', before).replace('$AFTER', after));
}

/** The parts of an engine.json the in-process training reads. */
interface HandmadeEngineJson {
  datasource: { params: unknown };
  algorithms: Array<{ params: unknown }>;
}

/** Trains the handmade engine in process over the given store and answers bodies as UR prints them. */
export async function trainHandmade(store: EventStore, engineJson?: object) {
  const engine = (engineJson ?? JSON.parse(await fixture('handmade-engine.json'))) as HandmadeEngineJson;
  const ctx = testContext(store);
  const dataSource = new UrDataSource(dataSourceParams.parse(engine.datasource.params));
  const algorithm = new UrAlgorithm(algorithmParams.parse(engine.algorithms[0]?.params));
  const prepared = new UrPreparator().prepare(ctx, await dataSource.readTraining(ctx));
  const trained = await algorithm.train(ctx, prepared);
  // Through the stored form, as a deployed engine gets it.
  const served = algorithm.deserializeModel(JSON.parse(JSON.stringify(algorithm.serializeModel(trained))));
  return {
    algorithm,
    served,
    /** The body as the engine server reads it and the answer as it prints it. */
    async answer(body: string): Promise<string> {
      const query = algorithm.queryFromJson(parseJsonValue(body));
      const prediction = await algorithm.predict(served, query, { ...ctx, mode: 'deploy' });
      return renderPredictionJson(algorithm.predictionToJson(prediction));
    },
  };
}

export async function handmadeStore(now: number): Promise<EventStore> {
  return memoryEventStore(handmadeEvents(await fixture('sample-handmade-data.txt'), now), now);
}
