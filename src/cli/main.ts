import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { COMMAND_AREAS } from '../commands/index.js';
import { helpText } from '../lib/command-spec.js';
import { registerAreas } from './register-areas.js';
import { runProgram } from './run.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('pio-deploy')
  .description('Deploy PredictionIO engines the Heroku way: build, release and serve them on any platform.')
  .version(packageJson.version)
  .showHelpAfterError()
  .addHelpText('after', helpText(['pio-deploy quickstart --yes', 'pio-deploy config --help']));

await registerAreas(program, COMMAND_AREAS, process.stderr);
await runProgram(program);
