import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the local platform keeps its state: `$PIO_DEPLOY_HOME`, else `~/.pio-deploy`. Tests point it (or
 * HOME) at a temp dir so nothing touches a real home.
 */
export function platformHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PIO_DEPLOY_HOME || join(homedir(), '.pio-deploy');
}

/** Root of the running pio-deploy checkout (this file is `<root>/{src,dist}/platform/paths.*`). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** The buildpack that ships with this checkout; `--buildpack <dir>` overrides it. */
export function defaultBuildpackDir(): string {
  return join(packageRoot(), 'buildpack');
}

/** Absolute path of this checkout's CLI launcher, for git hooks and daemons. */
export function cliLauncher(): string {
  return join(packageRoot(), 'bin', 'pio-deploy');
}
