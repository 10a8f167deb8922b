import { access, constants, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCFILES } from '../../src/buildpack/procfile.js';
import { isUserError } from '../../src/lib/errors.js';
import { git } from '../../src/lib/git.js';
import { runInit } from '../../src/lifecycle/init.js';
import { parseQueries } from '../../src/lifecycle/queries.js';
import { TEMPLATE_NAMES } from '../../src/lifecycle/templates.js';
import { parseConfigVars } from '../../src/platform/config-vars.js';
import { cleanupAfterEachTest, readJson, recordingOutput, runCli } from './helpers.js';

const { sandbox } = cleanupAfterEachTest();

/** The parts of a generated app.json these tests read. */
type AppJson = {
  name: string;
  env: { [name in 'PIO_EVENTSERVER_APP_NAME' | 'PIO_EVENTSERVER_ACCESS_KEY']: { value?: string; generator?: string; required: boolean } };
  addons: string[];
  formation: { web: { quantity: number; size: string } };
  buildpacks: [{ url: string }, ...Array<{ url: string }>];
};

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function initError(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(isUserError(error)).toBe(true);
    return error as Error;
  }
  throw new Error('expected init to fail');
}

const ACCESS_KEY = /^[A-Za-z0-9_][A-Za-z0-9_-]{63}$/;

describe('pio-deploy init --template', () => {
  it.each(TEMPLATE_NAMES)('creates a committed, deployable %s app', async (template) => {
    const box = await sandbox();
    const dir = join(box.dir, `My ${template} App`);
    const out = recordingOutput();
    const result = await runInit({ dir, template, out });
    expect(result.mode).toBe('template');

    for (const file of ['engine.json', 'template.json', 'src/engine.ts', 'data/initial-events.json', 'README.md', '.gitignore']) {
      expect(await exists(join(dir, file)), file).toBe(true);
    }
    const files = await git(dir, ['ls-files']);
    expect(files).not.toMatch(/\.test\.ts|\.fixture\.ts/);
    // The template's own test helpers and upstream fixtures stay in the pio-deploy repository.
    expect(files.split('\n').filter((file) => file.startsWith('test/'))).toEqual([]);

    const appJson = (await readJson(join(dir, 'app.json'))) as AppJson;
    const appName = `my-${template}-app`;
    expect(appJson.name).toBe(appName);
    expect(appJson.env.PIO_EVENTSERVER_APP_NAME).toMatchObject({ value: appName, required: true });
    expect(appJson.env.PIO_EVENTSERVER_ACCESS_KEY).toMatchObject({ generator: 'secret', required: true });
    expect(appJson.addons).toEqual(['heroku-postgresql']);
    expect(appJson.formation).toEqual({ web: { quantity: 1, size: 'basic' } });
    expect(appJson.buildpacks[0].url).toMatch(/^https:\/\//);

    expect(await readFile(join(dir, 'Procfile'), 'utf8')).toBe(PROCFILES.engine);
    const env = parseConfigVars(await readFile(join(dir, '.env'), 'utf8'), '.env');
    expect(env.PIO_EVENTSERVER_APP_NAME).toBe(appName);
    expect(env.PIO_EVENTSERVER_ACCESS_KEY).toMatch(ACCESS_KEY);
    expect(env.PIO_POSTGRES_OPTIONAL_SSL).toBe('true');
    expect(env.DATABASE_URL).toBeUndefined();
    expect((await stat(join(dir, '.env'))).mode & 0o777).toBe(0o600);
    // The secret is never printed.
    expect(out.text()).not.toContain(env.PIO_EVENTSERVER_ACCESS_KEY);

    const queries = parseQueries(await readFile(join(dir, 'smoke-queries.jsonl'), 'utf8'), 'smoke-queries.jsonl');
    expect(queries.length).toBeGreaterThan(1);
    // The sync hook example must not be picked up (and fail) as data/create-sync-events.
    expect(await exists(join(dir, 'data', 'create-sync-events'))).toBe(false);
    await expect(access(join(dir, 'data', 'create-sync-events.example'), constants.X_OK)).rejects.toThrow();
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain('pio-deploy up');

    // One commit on main with everything but .env; nothing left uncommitted or staged in the parent.
    expect((await git(dir, ['log', '--format=%s'])).split('\n')).toHaveLength(1);
    expect(await git(dir, ['branch', '--show-current'])).toBe('main');
    expect(files.split('\n')).toEqual(expect.arrayContaining(['app.json', 'Procfile', '.gitignore', 'smoke-queries.jsonl']));
    expect(files.split('\n')).not.toContain('.env');
    expect(await git(dir, ['status', '--porcelain'])).toBe('');
    expect(await readdir(box.dir)).toEqual(['My ' + template + ' App', 'home'].sort());
    expect(out.text()).toContain('git: initial commit');
    expect(out.text()).toContain('pio-deploy up');
  });

  it('generates a different access key for every app', async () => {
    const box = await sandbox();
    const keys = [];
    for (const name of ['one', 'two']) {
      await runInit({ dir: join(box.dir, name), template: 'regression', out: recordingOutput(), git: false });
      keys.push(parseConfigVars(await readFile(join(box.dir, name, '.env'), 'utf8'), '.env').PIO_EVENTSERVER_ACCESS_KEY);
      expect(await exists(join(box.dir, name, '.git'))).toBe(false);
    }
    expect(keys[0]).toMatch(ACCESS_KEY);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('refuses a non-empty directory unless --force, and never leaves staging dirs behind', async () => {
    const box = await sandbox();
    const dir = join(box.dir, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine\n');
    const error = await initError(runInit({ dir, template: 'classification', out: recordingOutput() }));
    expect(error.message).toBe(`${dir} is not empty.`);
    expect(await readdir(dir)).toEqual(['notes.txt']);
    expect(await readdir(box.dir)).toEqual(['busy', 'home']);

    await runInit({ dir, template: 'classification', out: recordingOutput(), force: true });
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(await exists(join(dir, 'engine.json'))).toBe(true);
    // Only the template's files were committed.
    expect(await git(dir, ['ls-files'])).not.toContain('notes.txt');
    expect(await readdir(box.dir)).toEqual(['busy', 'home']);
  });

  it('fills an existing empty directory in place (it may be the shell\'s working directory)', async () => {
    const box = await sandbox();
    const dir = join(box.dir, 'here');
    await mkdir(dir);
    const inode = (await stat(dir)).ino;
    await runInit({ dir, template: 'regression', out: recordingOutput() });
    expect((await stat(dir)).ino).toBe(inode);
    expect(await exists(join(dir, 'engine.json'))).toBe(true);
    expect(await git(dir, ['status', '--porcelain'])).toBe('');
    expect(await readdir(box.dir)).toEqual(['here', 'home']);
  });

  it('explains what is missing: no template, unknown template, template over an engine', async () => {
    const box = await sandbox();
    const noTemplate = await initError(runInit({ dir: join(box.dir, 'a'), out: recordingOutput() }));
    expect((noTemplate as { hint?: string }).hint).toContain('--template classification|regression|recommendation');
    const unknown = await initError(runInit({ dir: join(box.dir, 'b'), template: 'ranking', out: recordingOutput() }));
    expect(unknown.message).toBe('There is no "ranking" engine template.');
    const engine = join(box.dir, 'engine');
    await mkdir(engine);
    await writeFile(join(engine, 'engine.json'), '{}');
    const over = await initError(runInit({ dir: engine, template: 'regression', out: recordingOutput() }));
    expect(over.message).toContain('already holds an engine (engine.json)');
  });

  it('is registered as a CLI command with a non-zero exit and a clear message on error', async () => {
    const box = await sandbox();
    const created = await runCli(box, ['init', 'demo', '--template', 'recommendation']);
    expect(created.exitCode).toBe(0);
    expect(created.all).toContain('-----> Creating demo from the recommendation template in ./demo');
    const again = await runCli(box, ['init', 'demo', '--template', 'recommendation']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain(' !     ');
    expect(again.stderr).toContain('already holds an engine');
    const help = await runCli(box, ['init', '--help']);
    expect(help.stdout).toContain('Example:');
  });
});

const OLD_BUILD_SBT = `import AssemblyKeys._

assemblySettings

name := "template-scala-parallel-recommendation"

organization := "org.apache.predictionio"

scalaVersion := "2.11.8"

libraryDependencies ++= Seq(
  "org.apache.predictionio" %% "apache-predictionio-core" % "0.11.0-incubating" % "provided",
  "org.apache.spark"        %% "spark-core"               % "2.1.0" % "provided",
  "org.apache.spark"        %% "spark-mllib"              % "2.1.0" % "provided",
  "org.scalatest"           %% "scalatest"                % "3.0.1" % "test")
`;

async function scalaEngine(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

describe('pio-deploy init in an existing Scala engine', () => {
  it('aligns versions with a supported Apache release, adds the deployment files, reports each change and leaves the code alone', async () => {
    const box = await sandbox();
    const dir = join(box.dir, 'recommender');
    const code = 'package org.example\n\nclass ALSAlgorithm // untouched\n';
    await scalaEngine(dir, {
      'build.sbt': OLD_BUILD_SBT,
      'template.json': '{"pio": {"version": {"min": "0.11.0-incubating"}}, "keep": true}',
      'engine.json': '{"id": "default", "engineFactory": "org.example.RecommendationEngine"}',
      'src/main/scala/ALSAlgorithm.scala': code,
      '.gitignore': 'target/\n/project/project\n',
    });
    const before = await stat(join(dir, 'src/main/scala/ALSAlgorithm.scala'));
    const out = recordingOutput();
    const result = await runInit({ dir, out });
    if (result.mode !== 'existing') throw new Error('expected existing-engine mode');
    expect(result.kind).toBe('scala');
    expect(result.apacheVersion).toBe('0.14.0');
    expect(result.changes.map((change) => change.file).sort()).toEqual(
      ['.env', '.gitignore', 'Procfile', 'app.json', 'build.sbt', 'template.json'].sort(),
    );

    const buildSbt = await readFile(join(dir, 'build.sbt'), 'utf8');
    expect(buildSbt).toContain('"apache-predictionio-core" % "0.14.0" % "provided"');
    expect(buildSbt).toContain('"spark-core"               % "2.1.3" % "provided"');
    expect(buildSbt).toContain('"spark-mllib"              % "2.1.3" % "provided"');
    expect(buildSbt).toContain('scalaVersion := "2.11.12"');
    expect(buildSbt).toContain('"scalatest"                % "3.0.1"');
    expect(await readJson(join(dir, 'template.json'))).toEqual({ pio: { version: { min: '0.14.0' } }, keep: true });
    expect(await readFile(join(dir, 'Procfile'), 'utf8')).toBe(PROCFILES.engine);
    const appJson = (await readJson(join(dir, 'app.json'))) as AppJson;
    expect(appJson.formation.web.size).toBe('standard-2x');
    expect(appJson.env.PIO_EVENTSERVER_ACCESS_KEY.generator).toBe('secret');
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe(
      'target/\n/project/project\n.env\nPredictionIO-dist/\n.pio-deploy/\nnode_modules/\n',
    );

    // The code is byte-for-byte and timestamp-for-timestamp untouched.
    const after = await stat(join(dir, 'src/main/scala/ALSAlgorithm.scala'));
    expect(await readFile(join(dir, 'src/main/scala/ALSAlgorithm.scala'), 'utf8')).toBe(code);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readFile(join(dir, 'engine.json'), 'utf8')).toBe('{"id": "default", "engineFactory": "org.example.RecommendationEngine"}');

    const text = out.text();
    expect(text).toContain('template.json: pio.version.min 0.11.0-incubating → 0.14.0');
    expect(text).toContain(
      'build.sbt: apache-predictionio-core 0.11.0-incubating → 0.14.0, spark-core 2.1.0 → 2.1.3, spark-mllib 2.1.0 → 2.1.3, scalaVersion 2.11.8 → 2.11.12',
    );
    expect(text).toContain('Procfile: engine processes');

    // Running it again changes nothing.
    const again = recordingOutput();
    const second = await runInit({ dir, out: again });
    expect(second.mode === 'existing' && second.changes).toEqual([]);
    expect(again.text()).toContain('Nothing to change');
  });

  it('keeps a supported version and aligns build.sbt with template.json', async () => {
    const box = await sandbox();
    const dir = join(box.dir, 'classifier');
    await scalaEngine(dir, {
      'build.sbt': OLD_BUILD_SBT.replace('0.11.0-incubating', '0.12.0-incubating').replace(/2\.1\.0/g, '2.1.1'),
      'template.json': '{"pio":{"version":{"min":"0.13.0"}}}',
      'engine.json': '{}',
      Procfile: 'web: custom-web\n',
    });
    const out = recordingOutput();
    const result = await runInit({ dir, out });
    if (result.mode !== 'existing') throw new Error('expected existing-engine mode');
    expect(result.apacheVersion).toBe('0.13.0');
    expect(result.changes.map((change) => change.file)).toEqual(['build.sbt', 'app.json', '.gitignore', '.env']);
    expect(await readFile(join(dir, 'template.json'), 'utf8')).toBe('{"pio":{"version":{"min":"0.13.0"}}}');
    expect(await readFile(join(dir, 'build.sbt'), 'utf8')).toContain('"apache-predictionio-core" % "0.13.0"');
    expect(await readFile(join(dir, 'Procfile'), 'utf8')).toBe('web: custom-web\n');
  });

  it('prepares a TypeScript engine (engine.json, no build.sbt) for the native runtime', async () => {
    const box = await sandbox();
    const dir = join(box.dir, 'ts-engine');
    await scalaEngine(dir, { 'engine.json': '{"description": "My engine"}', 'src/engine.ts': 'export {};\n' });
    const result = await runInit({ dir, out: recordingOutput() });
    if (result.mode !== 'existing') throw new Error('expected existing-engine mode');
    expect(result.kind).toBe('typescript');
    expect(result.changes.map((change) => change.file)).toEqual(['Procfile', 'app.json', '.gitignore', '.env']);
    const appJson = (await readJson(join(dir, 'app.json'))) as AppJson;
    expect(appJson).toMatchObject({ name: 'ts-engine', description: 'My engine', formation: { web: { size: 'basic' } } });
    expect(await exists(join(dir, 'template.json'))).toBe(false);
  });

  it('refuses a broken template.json before writing anything', async () => {
    const box = await sandbox();
    const dir = join(box.dir, 'broken');
    await scalaEngine(dir, { 'build.sbt': OLD_BUILD_SBT, 'template.json': '{"pio": ', 'engine.json': '{}' });
    const error = await initError(runInit({ dir, out: recordingOutput() }));
    expect(error.message).toMatch(/^template\.json is not valid JSON/);
    expect((await readdir(dir)).sort()).toEqual(['build.sbt', 'engine.json', 'template.json']);
  });
});
