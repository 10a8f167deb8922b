import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';

/**
 * Config vars reach a classic buildpack's compile as files in ENV_DIR (name = variable, content = the
 * raw value). Only variables pio-deploy's build uses are taken, and nothing that changes how programs
 * run (PATH, loader and shell variables) even if a pattern would match.
 */
export const ENV_DIR_ALLOWED = /^(PIO_[A-Z0-9_]+|DATABASE_URL|AWS_REGION|[A-Z0-9_]+_URL|[A-Z0-9_]+_SHA512|[A-Z0-9_]+_SHA256)$/;
export const ENV_DIR_DENIED = new Set([
  'PATH',
  'GIT_DIR',
  'CPATH',
  'CPPATH',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'LIBRARY_PATH',
  'IFS',
  'HOME',
  'SHELL',
  'BASH_ENV',
  'ENV',
  'NODE_OPTIONS',
  'NODE_PATH',
  'JAVA_TOOL_OPTIONS',
  'BUILDPACK_URL',
]);

export interface EnvDirContents {
  /** Allowed variables with their values exactly as stored (no trimming). */
  vars: Record<string, string>;
  /** Names present but not taken, for a diagnostic line (never their values). */
  ignored: string[];
}

export async function readEnvDir(envDir: string | undefined): Promise<EnvDirContents> {
  const result: EnvDirContents = { vars: {}, ignored: [] };
  if (!envDir) return result;
  let entries;
  try {
    entries = await readdir(envDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`ENV_DIR ${envDir} does not exist.`, {
        hint: 'Pass the platform\'s config-var directory as the third argument of bin/compile, or omit it.',
      });
    }
    throw error;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const name = entry.name;
    if (ENV_DIR_DENIED.has(name) || !ENV_DIR_ALLOWED.test(name)) {
      result.ignored.push(name);
      continue;
    }
    // Byte-exact: a value may legitimately end in whitespace or a newline.
    result.vars[name] = await readFile(join(envDir, name), 'utf8');
  }
  return result;
}
