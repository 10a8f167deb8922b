import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { UserError } from '../lib/errors.js';

export type AppNameUpdate = 'updated' | 'unchanged' | 'not-declared' | 'missing';

/**
 * Sets `datasource.params.appName` in an engine variant file (engine.json, best.json, …) to the event
 * server app name, but only when the engine declares that key: engines that read the name from the
 * environment (the Heroku templates) are left alone. The file is rewritten atomically.
 */
export async function applyAppNameToEngineVariant(path: string, label: string, appName: string): Promise<AppNameUpdate> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  let variant: unknown;
  try {
    variant = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${label} is not valid JSON: ${(error as Error).message}.`, {
      hint: `Fix ${label} (PredictionIO reads it as strict JSON) and deploy again.`,
    });
  }
  const params = paramsOf(variant);
  if (!params || !Object.hasOwn(params, 'appName')) return 'not-declared';
  if (params.appName === appName) return 'unchanged';
  params.appName = appName;
  await writeFileAtomic(path, `${JSON.stringify(variant, null, 2)}\n`);
  return 'updated';
}

function paramsOf(variant: unknown): Record<string, unknown> | undefined {
  if (!isObject(variant)) return undefined;
  const datasource = variant.datasource;
  if (!isObject(datasource)) return undefined;
  return isObject(datasource.params) ? datasource.params : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The variant named in PIO_OPTS (`--variant x.json`, `-v x.json`, `--variant=x.json`), if any. */
export function variantFromPioOpts(pioOpts: readonly string[]): string | undefined {
  for (let i = 0; i < pioOpts.length; i += 1) {
    const arg = pioOpts[i] as string;
    if (arg === '--variant' || arg === '-v') return pioOpts[i + 1];
    if (arg.startsWith('--variant=')) return arg.slice('--variant='.length);
  }
  return undefined;
}
