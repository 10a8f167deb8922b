import { execa } from 'execa';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../lib/errors.js';
import { isExecutable } from '../lib/fs-checks.js';
import { stopGroup } from '../lib/process-tree.js';
import type { ProcessTypes } from './procfile.js';

/** Where build output goes: the terminal for `up`, the pusher (through git) for a push. */
export interface BuildStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface BuildpackRun {
  buildpackDir: string;
  buildDir: string;
  cacheDir: string;
  envDir: string;
  /** Environment of the buildpack scripts; config vars are deliberately NOT in it (they are in envDir). */
  env: Record<string, string>;
  streams: BuildStreams;
  /** Aborting stops compile and everything it started. */
  signal?: AbortSignal;
}

export interface BuildpackResult {
  /** What bin/detect printed, e.g. "PredictionIO". */
  framework: string;
  defaultProcessTypes: ProcessTypes;
}

const releaseOutputSchema = z
  .object({ default_process_types: z.record(z.string(), z.string()).nullish() })
  .passthrough()
  .nullish();

export async function assertBuildpack(buildpackDir: string): Promise<void> {
  for (const script of ['detect', 'compile']) {
    if (!(await isExecutable(join(buildpackDir, 'bin', script)))) {
      throw new UserError(`${buildpackDir} is not a classic buildpack: bin/${script} is missing or not executable`, {
        hint: 'Pass --buildpack <dir> with a directory holding executable bin/detect, bin/compile and bin/release.',
      });
    }
  }
}

/**
 * Runs one classic buildpack over a build dir as Heroku's slug compiler does: `bin/detect BUILD_DIR`,
 * `bin/compile BUILD_DIR CACHE_DIR ENV_DIR` and `bin/release BUILD_DIR`, each with the buildpack dir as
 * working directory, compile output streamed as it comes.
 */
export async function runBuildpack(run: BuildpackRun): Promise<BuildpackResult> {
  await assertBuildpack(run.buildpackDir);
  const script = (name: string) => join(run.buildpackDir, 'bin', name);
  const common = { cwd: run.buildpackDir, env: run.env, extendEnv: false, reject: false, stdin: 'ignore' } as const;

  const detect = await execa(script('detect'), [run.buildDir], common);
  if (detect.stderr) run.streams.stderr.write(`${detect.stderr}\n`);
  if (detect.exitCode !== 0) {
    throw new UserError(`App not compatible with buildpack: ${run.buildpackDir}`, {
      hint: 'bin/detect exited non-zero for this app; check that the app has the files the buildpack needs.',
    });
  }
  const framework = detect.stdout.trim().split('\n')[0] || 'Unknown';
  run.streams.stdout.write(`-----> ${framework} app detected\n`);

  // Compile runs in its own process group: a build container is thrown away after the build, so
  // whatever compile leaves running (or is running when the build is cancelled) is stopped with it.
  const compile = execa(script('compile'), [run.buildDir, run.cacheDir, run.envDir], {
    ...common,
    buffer: false,
    detached: true,
  });
  const stopCompile = () => {
    if (compile.pid !== undefined) void stopGroup(compile.pid, 5_000);
  };
  run.signal?.addEventListener('abort', stopCompile, { once: true });
  compile.stdout.pipe(run.streams.stdout, { end: false });
  compile.stderr.pipe(run.streams.stderr, { end: false });
  let compiled;
  try {
    compiled = await compile;
  } finally {
    run.signal?.removeEventListener('abort', stopCompile);
    if (compile.pid !== undefined) await stopGroup(compile.pid, 5_000);
  }
  if (run.signal?.aborted) throw new UserError('Build cancelled');
  if (compiled.exitCode !== 0) {
    throw new UserError(`Failed to compile ${framework} app (bin/compile exited with ${describeExit(compiled)})`);
  }

  if (!(await isExecutable(script('release')))) return { framework, defaultProcessTypes: {} };
  const release = await execa(script('release'), [run.buildDir], common);
  if (release.stderr) run.streams.stderr.write(`${release.stderr}\n`);
  if (release.exitCode !== 0) {
    throw new UserError(`bin/release of ${run.buildpackDir} exited with ${describeExit(release)}`);
  }
  return { framework, defaultProcessTypes: defaultProcessTypesOf(release.stdout, run.buildpackDir) };
}

/** The `default_process_types` of a classic bin/release's YAML (none is fine: the app's Procfile rules). */
export function defaultProcessTypesOf(releaseYaml: string, buildpackDir: string): ProcessTypes {
  let parsed: z.infer<typeof releaseOutputSchema>;
  try {
    parsed = releaseOutputSchema.parse(parseYaml(releaseYaml));
  } catch (error) {
    throw new UserError(`bin/release of ${buildpackDir} printed invalid YAML: ${(error as Error).message}`);
  }
  return parsed?.default_process_types ?? {};
}

export function describeExit(result: { exitCode?: number | undefined; signal?: string | undefined }): string {
  return result.signal ? `signal ${result.signal}` : `code ${result.exitCode ?? 'unknown'}`;
}
