import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppRole } from '../config/app-role.js';
import { writeFileAtomic } from '../lib/atomic-write.js';


/**
 * Process types per role (team interface). The event server never trains, so it has no `train` type;
 * its `release` creates the app and runs data hooks only.
 */
export const PROCFILES: Record<AppRole, string> = {
  engine: 'web: pio-deploy web\ntrain: pio-deploy train\nrelease: pio-deploy release\n',
  eventserver: 'web: pio-deploy web\nrelease: pio-deploy release\n',
};

/** `default_process_types` for bin/release, as YAML (engine variant: the platform's fallback only). */
export function releaseYaml(role: AppRole = 'engine'): string {
  const lines = PROCFILES[role]
    .trim()
    .split('\n')
    .map((line) => {
      const [type, ...command] = line.split(': ');
      return `  ${type}: ${command.join(': ')}`;
    });
  return `---\ndefault_process_types:\n${lines.join('\n')}\n`;
}

/**
 * Writes the Procfile for `role` unless the app has its own, which always wins. The platform reads
 * BUILD_DIR/Procfile, so writing it here works even when this is not the last buildpack.
 */
export async function ensureProcfile(appDir: string, role: AppRole): Promise<'kept' | 'written'> {
  const path = join(appDir, 'Procfile');
  try {
    await stat(path);
    return 'kept';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await writeFileAtomic(path, PROCFILES[role]);
  return 'written';
}
