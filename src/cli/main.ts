import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerCommands } from './commands.js';
import { runProgram } from './run.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('pio-deploy')
  .description('Deploy PredictionIO engines the Heroku way: build, release and serve them on any platform.')
  .version(packageJson.version)
  .showHelpAfterError()
  .addHelpText('after', '\nExample:\n  $ pio-deploy quickstart --yes\n  $ pio-deploy config --help');

await registerCommands(program);
await runProgram(program);
