import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleLines } from './context.js';
import { EngineWorkflowError } from './errors.js';

import { PREDICTIONIO_COMPAT_VERSION as PIO_COMPATIBLE_VERSION } from '../version/index.js';

function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split(/[.-]/).slice(0, 3).map((part) => Number.parseInt(part, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let index = 0; index < 3; index++) {
    const diff = (x[index] ?? 0) - (y[index] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Reads `<engineDir>/template.json` (BEHAVIOUR.md#template-metadata). A required minimum above our version is fatal for
 * build, deploy and batchpredict (`fatal`); missing or unparsable files only warn.
 */
export async function checkTemplate(engineDir: string, console: ConsoleLines, options: { fatal: boolean }): Promise<void> {
  const path = join(engineDir, 'template.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    console.warn(
      'Template$',
      `${path} does not exist. Template metadata will not be available. (This is safe to ignore if you are not working on a template.)`,
    );
    return;
  }
  let min: unknown;
  try {
    min = (JSON.parse(text) as { pio?: { version?: { min?: unknown } } })?.pio?.version?.min;
  } catch {
    console.warn('Template$', `${path} cannot be parsed. Template metadata will not be available.`);
    return;
  }
  if (typeof min !== 'string') return;
  if (compareVersions(PIO_COMPATIBLE_VERSION, min) < 0) {
    const message = `This engine template requires at least PredictionIO ${min}. The template may not work with PredictionIO ${PIO_COMPATIBLE_VERSION}.`;
    if (options.fatal) throw new EngineWorkflowError(message, { logger: 'Template$' });
    console.warn('Template$', message);
  }
}
