import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';

export const PROFILE_SCRIPT_PATH = '.profile.d/pio-deploy.sh';

/**
 * Sourced by the dyno's bash before every process (web, release, one-offs). It runs in the same shell as
 * the command, so: no `set -e`/`exit`, no build paths (the slug runs at $HOME=/app), nothing printed on
 * success. It puts the slug's tools on PATH and renders PredictionIO's configuration from the current
 * config vars (pio-deploy runtime-config); everything else lives in TypeScript where it is tested.
 * `.jdk` is where compile installs Java 8 for Apache distributions (or heroku/jvm did before us).
 */
export const PROFILE_SCRIPT = `# Written by pio-deploy at build time; sourced at every dyno start.
export PATH="$HOME/.pio-deploy/node/bin:$HOME/.pio-deploy/bin:$HOME/PredictionIO-dist/bin:$PATH"
if [ -x "$HOME/.jdk/bin/java" ]; then
  export JAVA_HOME="$HOME/.jdk"
  export PATH="$JAVA_HOME/bin:$PATH"
fi
pio-deploy runtime-config --quiet
`;

export async function writeProfileScript(appDir: string): Promise<string> {
  const path = join(appDir, PROFILE_SCRIPT_PATH);
  await writeFileAtomic(path, PROFILE_SCRIPT, { mode: 0o755 });
  return path;
}
