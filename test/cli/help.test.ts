import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/postgres.js';
import pg from 'pg';

describe('pio-deploy launcher', () => {
  it('prints help with an example', async () => {
    const result = await execa('bin/pio-deploy', ['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: pio-deploy');
    expect(result.stdout).toContain('Example:');
  });

  it('has a real PostgreSQL to test against', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ one: number }>('select 1 as one');
    await client.end();
    await db.drop();
    expect(rows[0]?.one).toBe(1);
  });
});
