import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { variablesMarkdown } from '../../src/config/describe.js';
import { ENV_NAMES } from '../../src/config/env-schema.js';
import { chooseDriverMemoryMb } from '../../src/config/memory.js';

function between(text: string, marker: string): string {
  const start = text.indexOf(`<!-- ${marker}:start -->`);
  const end = text.indexOf(`<!-- ${marker}:end -->`);
  expect(start, `${marker} start marker`).toBeGreaterThanOrEqual(0);
  expect(end, `${marker} end marker`).toBeGreaterThan(start);
  return text.slice(text.indexOf('\n', start) + 1, end).trim();
}

describe('CUSTOM.md stays in sync with the code', () => {
  it('contains the variables table generated from the schema (pio-deploy config --markdown)', async () => {
    const custom = await readFile('CUSTOM.md', 'utf8');
    expect(between(custom, 'variables')).toBe(variablesMarkdown());
    for (const name of ENV_NAMES) expect(custom).toContain(`\`${name}\``);
  });

  it('documents the memory table the code computes', async () => {
    const table = between(await readFile('CUSTOM.md', 'utf8'), 'memory');
    const rows = table.split('\n').slice(2);
    expect(rows.length).toBeGreaterThan(4);
    for (const row of rows) {
      const match = /^\| ([\d.]+) (MiB|GiB) \|[^|]*\| (\d+)m/.exec(row);
      expect(match, row).not.toBeNull();
      const bytes = Number(match![1]) * (match![2] === 'GiB' ? 1024 ** 3 : 1024 ** 2);
      expect(chooseDriverMemoryMb(bytes), row).toBe(Number(match![3]));
    }
  });

  it('DATA.md names every hook, the state table and the exit codes', async () => {
    const data = await readFile('DATA.md', 'utf8');
    for (const term of ['data/initial-events.json', 'data/create-initial-events', 'data/create-sync-events', 'data/sync-events.json', 'PIO_PURGE_EVENTS_ON_SYNC', 'pio_deploy_data_imports', '3 configuration missing']) {
      expect(data).toContain(term);
    }
    expect(data).not.toContain('PIO_PURGE_ON_SYNC');
  });
});
