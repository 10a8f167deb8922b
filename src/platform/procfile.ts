import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ProcessTypes = Record<string, string>;

export interface ParsedProcfile {
  processTypes: ProcessTypes;
  warnings: string[];
}

const ENTRY = /^\s*([A-Za-z0-9_-]+)\s*:\s*(.*?)\s*$/;

/**
 * Reads a Procfile as Heroku's classic platform does: `type: command` lines, `#` comments and blank
 * lines skipped, last duplicate wins. Anything else is reported, not fatal (Heroku ignores it too).
 */
export function parseProcfile(text: string): ParsedProcfile {
  const processTypes: ProcessTypes = {};
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const match = ENTRY.exec(line);
    const type = match?.[1];
    const command = match?.[2];
    if (!type || !command) {
      warnings.push(`Procfile line ${index + 1} is not "type: command" and is ignored: ${line.trim()}`);
      return;
    }
    if (type in processTypes) warnings.push(`Procfile declares "${type}" twice; the last one wins`);
    processTypes[type] = command;
  });
  return { processTypes, warnings };
}

/** The slug's Procfile, or undefined when it has none. */
export async function readProcfile(slugDir: string): Promise<ParsedProcfile | undefined> {
  try {
    return parseProcfile(await readFile(join(slugDir, 'Procfile'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
