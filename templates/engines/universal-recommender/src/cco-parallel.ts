import { Worker } from 'node:worker_threads';
import { cooccurrenceLlr, correlateRange, entropy2, entropy4, logLikelihoodRatio, xLogX, type CcoInput, type PackedCorrelators } from './cco-kernel.js';
import { ccoInput, unpackCorrelators, type CcoProblem, type Correlators } from './cco.js';

/**
 * `crossOccurrence` on worker threads: the matrices live in shared memory and the row items are cut
 * into chunks of about equal work (the co-occurrences an item's users bring), handed out as workers
 * come free. Each item's correlators depend on nothing another item computes, so the result is the
 * same as one thread's.
 *
 * The workers run the source text of cco-kernel.ts's functions: an engine is one bundled file, so
 * there is no worker module to point at.
 */

const CHUNKS_PER_WORKER = 8;

const shared = (array: Int32Array): Int32Array => {
  const copy = new Int32Array(new SharedArrayBuffer(array.length * 4));
  copy.set(array);
  return copy;
};

const workerSource = (): string => `
const { parentPort, workerData } = require('node:worker_threads');
${[xLogX, entropy2, entropy4, logLikelihoodRatio].map((fn) => fn.toString()).join('\n')}
${cooccurrenceLlr.toString()}
${correlateRange.toString()}
parentPort.on('message', ({ from, to }) => {
  const packed = ${correlateRange.name}(workerData, from, to);
  parentPort.postMessage(packed, [packed.offsets.buffer, packed.items.buffer]);
});
`;

export async function crossOccurrenceParallel(problem: CcoProblem, workerCount: number): Promise<Correlators> {
  const input = ccoInput(problem, shared);
  const chunks = chunksByWork(input, workerCount * CHUNKS_PER_WORKER);
  const workers = Array.from({ length: Math.min(workerCount, chunks.length) }, () => new Worker(workerSource(), { eval: true, workerData: input }));
  try {
    const parts: PackedCorrelators[] = [];
    let next = 0;
    await Promise.all(
      workers.map(async (worker) => {
        while (next < chunks.length) {
          const [from, to] = chunks[next++]!;
          parts.push(await run(worker, from, to));
        }
      }),
    );
    return unpackCorrelators(input, parts);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function run(worker: Worker, from: number, to: number): Promise<PackedCorrelators> {
  return new Promise((resolve, reject) => {
    const onMessage = (packed: PackedCorrelators) => {
      worker.off('error', onError);
      resolve(packed);
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage({ from, to });
  });
}

/**
 * Consecutive row-item ranges of about equal work: an item costs the B interactions of its users (the
 * co-occurrence counting), plus one for the item itself.
 */
export function chunksByWork(input: CcoInput, parts: number): Array<[number, number]> {
  const work = new Float64Array(input.numItems + 1);
  for (let item = 0; item < input.numItems; item++) {
    let cost = 1;
    for (let k = input.aByItemPtr[item]!; k < input.aByItemPtr[item + 1]!; k++) {
      const row = input.aByItemRows[k]!;
      cost += input.bRowPtr[row + 1]! - input.bRowPtr[row]!;
    }
    work[item + 1] = work[item]! + cost;
  }
  const total = work[input.numItems]!;
  const chunks: Array<[number, number]> = [];
  let from = 0;
  for (let part = 1; part <= parts && from < input.numItems; part++) {
    let to = from + 1;
    const goal = (total * part) / parts;
    while (to < input.numItems && work[to]! < goal) to++;
    if (part === parts) to = input.numItems;
    chunks.push([from, to]);
    from = to;
  }
  if (from < input.numItems) chunks.push([from, input.numItems]);
  return chunks;
}
