import { describe, expect, it } from 'vitest';
import { PIO_BIN, runPio } from './helpers.js';

describe('pio (no storage needed)', () => {
  it('version prints the compatible PredictionIO version, bare, exit 0', async () => {
    const result = await runPio(['version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('0.14.0\n');
    expect(result.stderr).toBe('');
  });

  it('no command: main help on stderr, exit 1, nothing on stdout', async () => {
    const result = await runPio([]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: pio <command>');
    expect(result.stderr).toContain('Example:');
  });

  it('help exits 1 (as upstream) and shows a command help or says none exists', async () => {
    const main = await runPio(['help']);
    expect(main.exitCode).toBe(1);
    expect(main.stderr).toContain('Commands:');
    const sub = await runPio(['help', 'app', 'new']);
    expect(sub.exitCode).toBe(1);
    expect(sub.stderr).toContain('Usage: pio app new [options] <name>');
    const none = await runPio(['help', 'unregister']);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toBe('Help is unavailable for unregister.\n');
  });

  it('--help shows the command help with an example on stderr, exit 0', async () => {
    const result = await runPio(['import', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--appid <id>');
    expect(result.stderr).toContain('Example:\n  $ pio import --appid 1');
  });

  it('usage errors: message and the command help on stderr, exit 1', async () => {
    const missing = await runPio(['import', '--input', 'x.json']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("required option '--appid <id>' not specified");
    expect(missing.stderr).toContain('Usage: pio import');
    const badId = await runPio(['app', 'new', '--id', 'abc', 'MyApp']);
    expect(badId.exitCode).toBe(1);
    expect(badId.stderr).toContain('App ID must be a positive integer');
    const unknown = await runPio(['bogus']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'bogus'");
    const unknownOption = await runPio(['app', 'list', '--nope']);
    expect(unknownOption.exitCode).toBe(1);
    expect(unknownOption.stderr).toContain("unknown option '--nope'");
  });

  it('retired commands print upstream messages and exit 1', async () => {
    const template = await runPio(['template', 'get', 'x', 'y']);
    expect(template.exitCode).toBe(1);
    expect(template.lines).toEqual([
      '[ERROR] [Console$] template commands are no longer supported.',
      '[ERROR] [Console$] Please use git to get and manage your templates.',
    ]);
    const upgrade = await runPio(['upgrade']);
    expect(upgrade.exitCode).toBe(1);
    expect(upgrade.lines).toEqual(['[ERROR] [Console$] Upgrade is no longer supported']);
  });

  it('export rejects parquet before touching storage', async () => {
    const result = await runPio(['export', '--appid', '1', '--output', '/tmp/never', '--format', 'parquet']);
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([
      '[ERROR] [EventsToFile$] The parquet format is not supported by the native runtime. Use --format json.',
    ]);
  });

  it('a bad storage configuration is reported as a console error naming the variable', async () => {
    const result = await runPio(['app', 'list'], {
      env: {
        PATH: process.env.PATH ?? '',
        PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
        PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:mysql://localhost/pio',
        PIO_STORAGE_SOURCES_PGSQL_USERNAME: 'pio',
        PIO_STORAGE_SOURCES_PGSQL_PASSWORD: 'pio',
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toMatch(/^\[ERROR\] \[Console\$\] PIO_STORAGE_SOURCES_PGSQL_URL uses the JDBC driver "mysql"/);
  });
});

describe('pio global options', () => {
  it('accepts upstream global options and multi-letter aliases before or after the command', async () => {
    const result = await runPio(['--pio-home', '/x', 'version', '-ei', 'id', '--verbose', '-sk', '--', '--master', 'local']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('0.14.0\n');
  });

  it('keeps stdout closable early (`| head -1`) without crashing', async () => {
    const { execa } = await import('execa');
    const result = await execa('bash', ['-c', `"${PIO_BIN}" help 2>&1 | head -1; echo "rc=\${PIPESTATUS[0]}"`], { reject: false });
    expect(result.stdout).toMatch(/rc=1$/);
  });
});

describe('pio with an unreachable database', () => {
  it('app list fails with the storage error and a hint, exit 1, no password', async () => {
    const result = await runPio(['app', 'list'], {
      env: {
        PATH: process.env.PATH ?? '',
        PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
        PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:postgresql://127.0.0.1:1/pio?sslmode=disable',
        PIO_STORAGE_SOURCES_PGSQL_USERNAME: 'pio',
        PIO_STORAGE_SOURCES_PGSQL_PASSWORD: 'hunter2-secret',
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toMatch(/^\[ERROR\] \[Console\$\] Storage is unavailable .*ECONNREFUSED/);
    expect(result.lines[1]).toBe(
      '[ERROR] [Console$] Check the database settings (PIO_STORAGE_SOURCES_*, DATABASE_URL) and run `pio status`.',
    );
    expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
  });
});
