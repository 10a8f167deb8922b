import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import type { BuildProcess } from './compile-session.js';
import { UserError } from '../lib/errors.js';
import { createOutput } from '../lib/output.js';

// Registration only declares commands: each action imports its implementation, so `pio-deploy --help`
// (and every other area's commands) never load the fetcher (axios, tar) or the engine build (execa).

/** The pio-deploy checkout this CLI runs from (what the buildpack installs into the app). */
const SOURCE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What both build phases take from the process bin/compile or bin/build started. */
function fromThisProcess(): BuildProcess {
  return {
    sourceRoot: SOURCE_ROOT,
    nodeHome: process.env.PIO_DEPLOY_NODE_HOME || undefined,
    processEnv: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
  };
}

/** `pio-deploy buildpack compile|release`: the TypeScript side of buildpack/bin/*. */
export function registerBuildpackCommands(program: Command): void {
  const buildpack = program
    .command('buildpack')
    .description('Buildpack phases (called by buildpack/bin/compile and bin/release; rarely run by hand)');

  buildpack
    .command('compile')
    .description('Install the PredictionIO distribution and pio-deploy into BUILD_DIR and build the engine')
    .argument('<build-dir>', 'the app checkout to turn into a slug')
    .argument('<cache-dir>', 'directory kept between builds (verified downloads are cached here)')
    .argument('[env-dir]', 'one file per config var (only the build\'s variables are read)')
    .addHelpText(
      'after',
      '\nExample:\n  $ pio-deploy buildpack compile /tmp/build /tmp/cache /tmp/env\n' +
        '\nbin/compile calls this after it has found (or downloaded) a suitable Node.',
    )
    .action(async (buildDir: string, cacheDir: string, envDir: string | undefined) => {
      const { compile } = await import('./compile.js');
      await compile({ buildDir, cacheDir, envDir, ...fromThisProcess() });
    });

  buildpack
    .command('cnb-build')
    .description('Cloud Native Buildpack build phase (called by buildpack/bin/build; the app is the working directory)')
    .addHelpText(
      'after',
      '\nReads CNB_LAYERS_DIR and CNB_PLATFORM_DIR (env/ holds the config vars) as the lifecycle sets them.\n' +
        '\nExample:\n  $ CNB_LAYERS_DIR=/layers/pio-deploy_predictionio CNB_PLATFORM_DIR=/platform pio-deploy buildpack cnb-build',
    )
    .action(async () => {
      const layersDir = process.env.CNB_LAYERS_DIR?.trim();
      const platformDir = process.env.CNB_PLATFORM_DIR?.trim();
      if (!layersDir || !platformDir) {
        throw new UserError('CNB_LAYERS_DIR and CNB_PLATFORM_DIR must be set.', {
          hint: 'cnb-build is run by buildpack/bin/build under a CNB lifecycle (e.g. pack build); for Heroku classic use bin/compile.',
        });
      }
      const { cnbBuild } = await import('./cnb-build.js');
      await cnbBuild({ appDir: process.cwd(), layersDir, platformDir, ...fromThisProcess() });
    });

  buildpack
    .command('cnb-package')
    .description('Write a self-contained Cloud Native Buildpack directory (buildpack/ plus a production copy of pio-deploy)')
    .requiredOption('-o, --output <dir>', 'new directory to write')
    .addHelpText(
      'after',
      '\nExample:\n  $ pio-deploy buildpack cnb-package --output ./out/cnb\n' +
        '  $ pack build my-engine --builder heroku/builder:24 --buildpack ./out/cnb --path ./my-engine',
    )
    .action(async (options: { output: string }) => {
      const [{ packageCnb }, { formatBytes }] = await Promise.all([
        import('./cnb-package.js'),
        import('../distributions/progress.js'),
      ]);
      const output = createOutput();
      const result = await packageCnb(SOURCE_ROOT, options.output);
      output.topic(`Wrote the Cloud Native Buildpack to ${result.dir} (${formatBytes(result.bytes)})`);
    });

  buildpack
    .command('release')
    .description('Print the buildpack release YAML (default process types)')
    .argument('[build-dir]', 'the app checkout (unused: the defaults do not depend on it)')
    .addHelpText('after', '\nExample:\n  $ pio-deploy buildpack release /tmp/build')
    .action(async () => {
      const { releaseYaml } = await import('./procfile.js');
      process.stdout.write(releaseYaml('engine'));
    });
}
