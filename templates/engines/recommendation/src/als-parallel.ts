import { Worker } from 'node:worker_threads';
import {
  choleskySolveInPlace,
  prepareAls,
  solveEntries,
  solveSingular,
  type AlsArrays,
  type AlsModel,
  type AlsParams,
  type Grouped,
  type Rating,
  type RatingColumns,
} from './als.js';

/**
 * `trainAls` on worker threads: each half-step's entries are split between the workers by their
 * number of ratings, and the ratings and factors live in shared memory, so a half-step costs one
 * message to each worker and back. Every entry's solve reads only the other side's factors, so the
 * model is the same, bit for bit, as one thread's.
 *
 * The workers run the source text of `solveEntries` and `choleskySolveInPlace`: an engine is one
 * bundled file, so there is no worker module to point at.
 */

const SHARED: AlsArrays = {
  int32: (length) => new Int32Array(new SharedArrayBuffer(length * 4)),
  float64: (length) => new Float64Array(new SharedArrayBuffer(length * 8)),
  float32: (length) => new Float32Array(new SharedArrayBuffer(length * 4)),
};

interface Side {
  grouped: Grouped;
  fixed: Float64Array;
  target: Float64Array;
}

interface Job {
  side: number;
  from: number;
  to: number;
}

const workerSource = (): string => `
const { parentPort, workerData } = require('node:worker_threads');
${choleskySolveInPlace.toString()}
${solveEntries.toString()}
const { sides, lambda, rank } = workerData;
parentPort.on('message', ({ side, from, to }) => {
  const { grouped, fixed, target } = sides[side];
  parentPort.postMessage(${solveEntries.name}(grouped.offsets, grouped.others, grouped.values, fixed, target, lambda, rank, from, to));
});
`;

export async function trainAlsParallel(ratings: readonly Rating[] | RatingColumns, params: AlsParams, workerCount: number): Promise<AlsModel> {
  const { model, byUser, byItem } = prepareAls(ratings, params, SHARED);
  const sides: Side[] = [
    { grouped: byUser, fixed: model.itemFactors, target: model.userFactors },
    { grouped: byItem, fixed: model.userFactors, target: model.itemFactors },
  ];
  const workerData = { sides, lambda: params.lambda, rank: model.rank };
  const workers = Array.from({ length: workerCount }, () => new Worker(workerSource(), { eval: true, workerData }));
  try {
    const ranges = sides.map((side) => splitByRatings(side.grouped.offsets, workerCount));
    for (let iteration = 0; iteration < params.numIterations; iteration++) {
      for (const [index, side] of sides.entries()) {
        const jobs = (ranges[index] as Array<[number, number]>).map(([from, to]): Job => ({ side: index, from, to }));
        const singular = (await Promise.all(jobs.map((job, w) => run(workers[w] as Worker, job)))).flat();
        for (const entry of singular) solveSingular(side.grouped, entry, side.fixed, side.target, model.rank);
      }
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  // Back to ordinary arrays: the model outlives the training and is serialised from them.
  return { ...model, userFactors: model.userFactors.slice(), itemFactors: model.itemFactors.slice() };
}

function run(worker: Worker, job: Job): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const onMessage = (singular: number[]) => {
      worker.off('error', onError);
      resolve(singular);
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(job);
  });
}

/** `parts` consecutive entry ranges, each ending at the first entry boundary at or past its share of the ratings. */
export function splitByRatings(offsets: Int32Array, parts: number): Array<[number, number]> {
  const entries = offsets.length - 1;
  const total = offsets[entries] as number;
  const ranges: Array<[number, number]> = [];
  let from = 0;
  for (let part = 1; part <= parts; part++) {
    let to = from;
    const goal = (total * part) / parts;
    while (to < entries && (offsets[to] as number) < goal) to++;
    if (part === parts) to = entries;
    ranges.push([from, to]);
    from = to;
  }
  return ranges;
}
