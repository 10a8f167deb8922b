import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { addLazyHelpText } from '../cli/lazy-help.js';
import { createOutput, type Output } from '../lib/output.js';

// Registration only declares commands: each action imports its implementation, so `pio-deploy --help`
// (and every other area's commands) never load zod, pg, execa or a half-built module of this area.

const appDirOption = () =>
  new Option('--app-dir <dir>', 'app root (where engine.json and PredictionIO-dist are)').default('.', 'current directory');

type ProcessRunner = (appDir: string, env: NodeJS.ProcessEnv, output: Output) => Promise<number>;

/** config, runtime-config, web, train, release, load-data. */
export function registerRuntimeCommands(program: Command): void {
  const config = program
    .command('config')
    .description('Validate the environment and print the effective configuration (secrets hidden).')
    .option('--markdown', 'print the variables table used in CUSTOM.md instead')
    .action(async (options: { markdown?: boolean }) => {
      const { effectiveConfigLines, variablesMarkdown } = await import('../config/describe.js');
      if (options.markdown) {
        process.stdout.write(`${variablesMarkdown()}\n`);
        return;
      }
      const [{ loadConfig }, { planSparkMemory }] = await Promise.all([
        import('../config/load-config.js'),
        import('../config/spark-args.js'),
      ]);
      const config = loadConfig(process.env);
      const output = createOutput();
      output.topic('Configuration is valid');
      for (const warning of config.warnings) output.warn(warning);
      output.detail(effectiveConfigLines(config, process.env).join('\n'));
      output.detail(`Spark ${(await planSparkMemory(config)).description}`);
    });
  addLazyHelpText(config, async () => {
    const { variablesHelp } = await import('../config/describe.js');
    return `\n${variablesHelp()}\n\nExample:\n  $ pio-deploy config\n  $ heroku run pio-deploy config`;
  });

  program
    .command('runtime-config')
    .description('Render pio-env.sh, spark-defaults.conf, core-site.xml, elasticsearch.yml (and engine.json appName) from the environment.')
    .addOption(appDirOption())
    .option('--quiet', 'print nothing but errors (used by .profile.d at dyno start)')
    .addHelpText('after', '\nExample:\n  $ pio-deploy runtime-config --app-dir /app --quiet')
    .action(async (options: { appDir: string; quiet?: boolean }) => {
      const [{ loadConfig }, { renderRuntimeConfig }] = await Promise.all([
        import('../config/load-config.js'),
        import('./runtime-config.js'),
      ]);
      const output = createOutput();
      const appDir = resolve(options.appDir);
      const config = loadConfig(process.env);
      const result = await renderRuntimeConfig(appDir, config, process.env);
      if (options.quiet) return;
      for (const warning of config.warnings) output.warn(warning);
      output.topic(`Rendered PredictionIO configuration (${result.kind} distribution)`);
      for (const file of result.files) output.detail(`${file.path} (from ${file.from})`);
      for (const variant of result.variants.filter((v) => v.update === 'updated')) {
        output.detail(`${variant.file}: datasource.params.appName set from PIO_EVENTSERVER_APP_NAME`);
      }
    });

  const processCommand = (name: string, description: string, example: string, load: () => Promise<ProcessRunner>) =>
    program
      .command(name)
      .description(description)
      .addOption(appDirOption())
      .addHelpText('after', `\nExample:\n  $ ${example}`)
      .action(async (options: { appDir: string }) => {
        const run = await load();
        process.exitCode = await run(resolve(options.appDir), process.env, createOutput());
      });

  processCommand(
    'web',
    'Serve the engine (pio deploy) or, for an event server app, pio eventserver, on $PORT.',
    'PORT=8000 pio-deploy web',
    async () => (await import('./web.js')).runWeb,
  );
  processCommand(
    'train',
    'Train the engine once (pio train), e.g. heroku run train.',
    'heroku run pio-deploy train',
    async () => (await import('./train.js')).runTrain,
  );
  processCommand(
    'release',
    'Release phase: create the PredictionIO app, run the data hooks, then pio train.',
    'pio-deploy release   # Procfile: release: pio-deploy release',
    async () => (await import('./release.js')).runRelease,
  );
  processCommand(
    'load-data',
    'Only the data hooks of the release phase (exit 0 ok, 3 configuration missing, else failure).',
    'pio-deploy load-data',
    async () => (await import('./release.js')).runLoadData,
  );
}
