// Starts the engine-query HTTP ceiling (ceiling.mjs) as a child answering `answer`, and waits for its port.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, spawnNode } from '../../eventserver/lib/process.mjs';

const CEILING = join(fileURLToPath(new URL('.', import.meta.url)), 'ceiling.mjs');

/**
 * @param {string} answer the bytes the engine server answers, sent back for every query
 * @returns {Promise<ReturnType<typeof spawnNode> & { url: string }>} the child (as `spawnNode` gives it) and its URL
 */
export async function startQueryCeiling(answer) {
  const ceiling = spawnNode([CEILING, answer], process.env);
  let port;
  for (let waited = 0; !port; waited += 10) {
    port = /^(\d+)$/m.exec(ceiling.output())?.[1];
    if (waited > 10_000) throw new Error('the ceiling server did not start');
    await sleep(10);
  }
  return { ...ceiling, url: `http://127.0.0.1:${port}/queries.json` };
}
