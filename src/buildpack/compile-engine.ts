import { execa } from 'execa';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { UserError } from '../lib/errors.js';
import { lastLines, lineTransform } from '../lib/child-output.js';
import { DETAIL_PREFIX, type Output } from '../lib/output.js';
import { redactSecrets } from '../lib/redact.js';

/** sbt reads every *.sbt in the project root: extra resolvers go here instead of into build.sbt. */
export const RESOLVERS_FILE = 'pio-deploy-resolvers.sbt';
const FAILURE_TAIL_LINES = 200;

export interface EngineBuildOptions {
  appDir: string;
  distDir: string;
  env: Record<string, string | undefined>;
  verbose: boolean;
  mavenRepo: string | undefined;
  secrets: string[];
  output: Output;
  stdout: NodeJS.WritableStream;
}

/**
 * Runs `PredictionIO-dist/bin/pio build` in the app. Quiet unless PIO_VERBOSE=true (then streamed,
 * indented): a quiet build's output is kept and shown (last lines, secrets hidden) only when it fails.
 */
export async function buildEngine(options: EngineBuildOptions): Promise<void> {
  const { appDir, distDir, output } = options;
  const resolvers = join(appDir, RESOLVERS_FILE);
  if (options.mavenRepo) {
    // The URL may carry credentials: the file is removed after the build and never reaches the slug.
    await writeFileAtomic(resolvers, `resolvers += "PIO_MAVEN_REPO" at ${JSON.stringify(options.mavenRepo)}\n`);
  }
  const args = ['build', ...(options.verbose ? ['--verbose'] : [])];
  try {
    const child = execa(join(distDir, 'bin', 'pio'), args, {
      cwd: appDir,
      env: options.env,
      extendEnv: false,
      reject: false,
      all: true,
      stdin: 'ignore',
      buffer: !options.verbose,
    });
    const redact = (text: string) => redactSecrets(text, options.secrets);
    if (options.verbose) child.all?.pipe(lineTransform({ prefix: DETAIL_PREFIX, redact })).pipe(options.stdout, { end: false });
    const result = await child;
    if (result.failed) {
      if (!options.verbose && typeof result.all === 'string' && result.all.trim()) {
        const total = result.all.trimEnd().split('\n').length;
        const tail = lastLines(result.all, FAILURE_TAIL_LINES);
        if (total > FAILURE_TAIL_LINES) output.detail(`(last ${FAILURE_TAIL_LINES} of ${total} lines of pio build output)`);
        output.detail(redact(tail));
      }
      const how = result.exitCode !== undefined ? `exit status ${result.exitCode}` : (result.signal ?? 'an error');
      throw new UserError(`pio build failed (${how}).`, {
        hint: 'Fix the engine build (output above); set PIO_VERBOSE=true to stream the full build log.',
      });
    }
  } finally {
    await rm(resolvers, { force: true });
  }
}
