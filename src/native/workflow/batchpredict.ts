import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { renderPredictionJson } from '../engine/java-double.js';
import { parseJsonValue } from '../events/json.js';
import type { Storage } from '../storage/index.js';
import type { ConsoleLines } from './context.js';
import { predictBatch } from './dase-pipeline.js';
import { engineIdentityOf, locateEngine, readEngineVariant } from './engine-variant.js';
import { EngineWorkflowError, errorMessage } from './errors.js';
import { selectEngineInstance } from './select-instance.js';
import { loadServingState } from './serving-state.js';
import { checkTemplate } from './template-check.js';

export interface BatchPredictOptions {
  engineDir?: string | undefined;
  variant?: string | undefined;
  input: string;
  output: string;
  queryPartitions?: number | undefined;
  engineInstanceId?: string | undefined;
}

/** Input: a file, or a directory of part files (hidden and `_SUCCESS`-style files skipped). */
async function readQueryLines(input: string): Promise<Array<{ source: string; line: number; text: string }>> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new EngineWorkflowError(`Input ${input} does not exist. Pass a file of query JSON lines with --input.`, { logger: 'BatchPredict$' });
  const files = info.isDirectory()
    ? (await readdir(input)).filter((name) => !name.startsWith('.') && !name.startsWith('_')).sort().map((name) => join(input, name))
    : [input];
  const lines: Array<{ source: string; line: number; text: string }> = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    text.split('\n').forEach((line, index) => {
      if (line.trim() !== '') lines.push({ source: file, line: index + 1, text: line });
    });
  }
  return lines;
}

/**
 * `pio batchpredict` (BEHAVIOUR.md#pio-batchpredict, BEHAVIOUR.md#batch-predict): every query line through the serving pipeline of the selected
 * engine instance; output is a new directory of `part-NNNNN` files with `{"query":…,"prediction":…}`
 * lines, written to a temp directory and renamed into place (any failing query aborts, nothing is left).
 */
export async function runBatchPredict(
  options: BatchPredictOptions,
  io: { console: ConsoleLines; openStorage: () => Promise<Storage>; cwd?: string },
): Promise<{ count: number; outputDir: string }> {
  const { console } = io;
  const cwd = io.cwd ?? process.cwd();
  const location = await locateEngine(options, cwd);
  await checkTemplate(location.engineDir, console, { fatal: true });
  const variant = await readEngineVariant(location);
  const inputPath = resolve(cwd, options.input);
  const outputDir = resolve(cwd, options.output);
  if (await stat(outputDir).catch(() => undefined)) {
    throw new EngineWorkflowError(`Output path ${outputDir} already exists. Remove it or pass another --output.`, { logger: 'BatchPredict$' });
  }
  const partitions = Math.max(1, options.queryPartitions ?? 1);

  const storage = await io.openStorage();
  try {
    const instance = await selectEngineInstance(
      storage,
      engineIdentityOf(variant),
      options.engineInstanceId,
      'batchpredict',
    );
    console.info('BatchPredict$', `Using engine instance ${instance.id}`);
    const state = await loadServingState({ storage, instance, variant, console, mode: 'batchpredict' });
    const lines = await readQueryLines(inputPath);
    const queries = lines.map(({ source, line, text }) => {
      try {
        return state.components.parseQuery(parseJsonValue(text));
      } catch (error) {
        throw new EngineWorkflowError(`Invalid query at ${basename(source)} line ${line}: ${errorMessage(error)}`, { logger: 'BatchPredict$' });
      }
    });
    const predictions = await predictBatch(state.components, state.models, queries, state.ctx);

    const temp = join(dirname(outputDir), `.${basename(outputDir)}.${randomBytes(4).toString('hex')}.tmp`);
    await mkdir(temp, { recursive: true });
    try {
      const perPart = Math.ceil(queries.length / partitions) || 0;
      for (let part = 0; part < partitions; part++) {
        const slice = queries.slice(part * perPart, (part + 1) * perPart);
        const content = slice
          .map((query, offset) =>
            renderPredictionJson({ query, prediction: state.components.predictionToJson(predictions[part * perPart + offset]) ?? null }),
          )
          .join('\n');
        await writeFile(join(temp, `part-${String(part).padStart(5, '0')}`), content === '' ? '' : `${content}\n`);
      }
      await rename(temp, outputDir);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    console.info('BatchPredict$', `Wrote ${queries.length} predictions to ${outputDir}`);
    return { count: queries.length, outputDir };
  } finally {
    await storage.close();
  }
}
