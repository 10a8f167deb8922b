import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { effectiveConfigLines, variablesHelp, variablesMarkdown } from '../config/describe.js';
import { loadConfig } from '../config/load-config.js';
import { planSparkMemory } from '../config/spark-args.js';
import { createOutput } from '../lib/output.js';
import { runLoadData, runRelease } from './release.js';
import { renderRuntimeConfig } from './runtime-config.js';
import { runTrain } from './train.js';
import { runWeb } from './web.js';

const appDirOption = () =>
  new Option('--app-dir <dir>', 'app root (where engine.json and PredictionIO-dist are)').default('.', 'current directory');

/** config, runtime-config, web, train, release, load-data. */
export function registerRuntimeCommands(program: Command): void {
  program
    .command('config')
    .description('Validate the environment and print the effective configuration (secrets hidden).')
    .option('--markdown', 'print the variables table used in CUSTOM.md instead')
    .addHelpText('after', `\n${variablesHelp()}\n\nExample:\n  $ pio-deploy config\n  $ heroku run pio-deploy config`)
    .action(async (options: { markdown?: boolean }) => {
      if (options.markdown) {
        process.stdout.write(`${variablesMarkdown()}\n`);
        return;
      }
      const config = loadConfig(process.env);
      const output = createOutput();
      output.topic('Configuration is valid');
      for (const warning of config.warnings) output.warn(warning);
      output.detail(effectiveConfigLines(config, process.env).join('\n'));
      output.detail(`Spark ${(await planSparkMemory(config)).description}`);
    });

  program
    .command('runtime-config')
    .description('Render pio-env.sh, spark-defaults.conf, core-site.xml, elasticsearch.yml (and engine.json appName) from the environment.')
    .addOption(appDirOption())
    .option('--quiet', 'print nothing but errors (used by .profile.d at dyno start)')
    .addHelpText('after', '\nExample:\n  $ pio-deploy runtime-config --app-dir /app --quiet')
    .action(async (options: { appDir: string; quiet?: boolean }) => {
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

  const processCommand = (name: string, description: string, example: string, run: typeof runWeb) =>
    program
      .command(name)
      .description(description)
      .addOption(appDirOption())
      .addHelpText('after', `\nExample:\n  $ ${example}`)
      .action(async (options: { appDir: string }) => {
        process.exitCode = await run(resolve(options.appDir), process.env, createOutput());
      });

  processCommand(
    'web',
    'Serve the engine (pio deploy) or, for an event server app, pio eventserver, on $PORT.',
    'PORT=8000 pio-deploy web',
    runWeb,
  );
  processCommand('train', 'Train the engine once (pio train), e.g. heroku run train.', 'heroku run pio-deploy train', runTrain);
  processCommand(
    'release',
    'Release phase: create the PredictionIO app, run the data hooks, then pio train.',
    'pio-deploy release   # Procfile: release: pio-deploy release',
    runRelease,
  );
  processCommand(
    'load-data',
    'Only the data hooks of the release phase (exit 0 ok, 3 configuration missing, else failure).',
    'pio-deploy load-data',
    runLoadData,
  );
}
