import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { compile } from './compile.js';
import { releaseYaml } from './procfile.js';

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
      await compile({
        buildDir,
        cacheDir,
        envDir,
        sourceRoot: fileURLToPath(new URL('../../', import.meta.url)),
        nodeHome: process.env.PIO_DEPLOY_NODE_HOME || undefined,
        processEnv: process.env,
        stdout: process.stdout,
        stderr: process.stderr,
        isTTY: process.stdout.isTTY === true,
      });
    });

  buildpack
    .command('release')
    .description('Print the buildpack release YAML (default process types)')
    .argument('[build-dir]', 'the app checkout (unused: the defaults do not depend on it)')
    .addHelpText('after', '\nExample:\n  $ pio-deploy buildpack release /tmp/build')
    .action(() => {
      process.stdout.write(releaseYaml('engine'));
    });
}
