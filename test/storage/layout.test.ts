import { afterEach, describe, expect, it } from 'vitest';
import { openTestStorage, type StorageFixture } from './helpers.js';

/** Physical layout as information_schema reports it: `name type nullable default`. */
async function columns(fixture: StorageFixture, table: string): Promise<string[]> {
  const rows = await fixture.sql<{
    column_name: string;
    data_type: string;
    character_maximum_length: number | null;
    is_nullable: string;
    column_default: string | null;
  }>(
    `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => {
    const type = r.character_maximum_length ? `${r.data_type}(${r.character_maximum_length})` : r.data_type;
    const dflt = r.column_default === null ? '' : r.column_default.startsWith('nextval(') ? ' serial' : ` ${r.column_default}`;
    return `${r.column_name} ${type} ${r.is_nullable === 'NO' ? 'NOT NULL' : 'NULL'}${dflt}`;
  });
}

async function primaryKey(fixture: StorageFixture, table: string): Promise<string[]> {
  const rows = await fixture.sql<{ column_name: string }>(
    `SELECT kcu.column_name FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name AND tc.table_name = kcu.table_name
      WHERE tc.table_name = $1 AND tc.constraint_type = 'PRIMARY KEY'`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

async function tables(fixture: StorageFixture): Promise<string[]> {
  const rows = await fixture.sql<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

const TS = 'timestamp without time zone NULL CURRENT_TIMESTAMP';

const EVENT_TABLE = [
  'id character varying(32) NOT NULL',
  'event text NOT NULL',
  'entitytype text NOT NULL',
  'entityid text NOT NULL',
  'targetentitytype text NULL',
  'targetentityid text NULL',
  'properties text NULL',
  `eventtime ${TS}`,
  'eventtimezone character varying(50) NOT NULL',
  'tags text NULL',
  'prid text NULL',
  `creationtime ${TS}`,
  'creationtimezone character varying(50) NOT NULL',
];

describe('PostgreSQL layout (BEHAVIOUR.md#table-names, BEHAVIOUR.md#table-ddl)', () => {
  let fixture: StorageFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('creates meta and model tables on first use with the exact upstream columns', async () => {
    fixture = await openTestStorage();
    expect(await tables(fixture)).toEqual([]);
    await fixture.storage.verify();
    expect(await tables(fixture)).toEqual([
      'pio_meta_accesskeys',
      'pio_meta_apps',
      'pio_meta_channels',
      'pio_meta_engineinstances',
      'pio_meta_evaluationinstances',
      'pio_model_models',
    ]);
    expect(await columns(fixture, 'pio_meta_apps')).toEqual(['id integer NOT NULL serial', 'name text NOT NULL', 'description text NULL']);
    expect(await columns(fixture, 'pio_meta_accesskeys')).toEqual([
      'accesskey character varying(64) NOT NULL',
      'appid integer NOT NULL',
      'events text NULL',
    ]);
    expect(await columns(fixture, 'pio_meta_channels')).toEqual(['id integer NOT NULL serial', 'name text NOT NULL', 'appid integer NOT NULL']);
    expect(await columns(fixture, 'pio_meta_engineinstances')).toEqual([
      'id character varying(100) NOT NULL',
      'status text NOT NULL',
      `starttime ${TS}`,
      `endtime ${TS}`,
      'engineid text NOT NULL',
      'engineversion text NOT NULL',
      'enginevariant text NOT NULL',
      'enginefactory text NOT NULL',
      'batch text NOT NULL',
      'env text NOT NULL',
      'sparkconf text NOT NULL',
      'datasourceparams text NOT NULL',
      'preparatorparams text NOT NULL',
      'algorithmsparams text NOT NULL',
      'servingparams text NOT NULL',
    ]);
    expect(await columns(fixture, 'pio_meta_evaluationinstances')).toEqual([
      'id character varying(100) NOT NULL',
      'status text NOT NULL',
      `starttime ${TS}`,
      `endtime ${TS}`,
      'evaluationclass text NOT NULL',
      'engineparamsgeneratorclass text NOT NULL',
      'batch text NOT NULL',
      'env text NOT NULL',
      'sparkconf text NOT NULL',
      'evaluatorresults text NOT NULL',
      'evaluatorresultshtml text NOT NULL',
      'evaluatorresultsjson text NULL',
    ]);
    expect(await columns(fixture, 'pio_model_models')).toEqual(['id character varying(100) NOT NULL', 'models bytea NOT NULL']);
    for (const [table, key] of [
      ['pio_meta_apps', 'id'],
      ['pio_meta_accesskeys', 'accesskey'],
      ['pio_meta_channels', 'id'],
      ['pio_meta_engineinstances', 'id'],
      ['pio_meta_evaluationinstances', 'id'],
      ['pio_model_models', 'id'],
    ] as const) {
      expect(await primaryKey(fixture, table)).toEqual([key]);
    }
    // verify() wrote to and dropped the app-0 event table
    expect(await tables(fixture)).not.toContain('pio_event_0');
  });

  it('event tables per app and channel: init, exists, remove (which fails when missing)', async () => {
    fixture = await openTestStorage();
    const { events } = fixture.storage;
    await events.init({ appId: 1 });
    await events.init({ appId: 1, channelId: 2 });
    await events.init({ appId: 1 }); // IF NOT EXISTS
    expect(await tables(fixture)).toEqual(['pio_event_1', 'pio_event_1_2']);
    expect(await columns(fixture, 'pio_event_1')).toEqual(EVENT_TABLE);
    expect(await columns(fixture, 'pio_event_1_2')).toEqual(EVENT_TABLE);
    expect(await primaryKey(fixture, 'pio_event_1')).toEqual(['id']);
    expect(events.tableName({ appId: 7, channelId: 3 })).toBe('pio_event_7_3');
    expect(await events.exists({ appId: 1, channelId: 2 })).toBe(true);
    await events.remove({ appId: 1, channelId: 2 });
    expect(await events.exists({ appId: 1, channelId: 2 })).toBe(false);
    await expect(events.remove({ appId: 1, channelId: 2 })).rejects.toThrow(/does not exist/);
  });

  it('uses the repository namespaces as table prefixes and the indexed variant with INDEX=enabled', async () => {
    fixture = await openTestStorage({
      PIO_STORAGE_REPOSITORIES_METADATA_NAME: 'acme_meta',
      PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME: 'acme_ev',
      PIO_STORAGE_REPOSITORIES_MODELDATA_NAME: 'acme_model',
      PIO_STORAGE_SOURCES_PGSQL_INDEX: 'enabled',
    });
    await fixture.storage.apps.getAll();
    await fixture.storage.models.get('x');
    await fixture.storage.events.init({ appId: 4 });
    expect(await tables(fixture)).toEqual(['acme_ev_4', 'acme_meta_apps', 'acme_model_models']);
    const cols = await columns(fixture, 'acme_ev_4');
    expect(cols.slice(1, 4)).toEqual([
      'event character varying(255) NOT NULL',
      'entitytype character varying(255) NOT NULL',
      'entityid character varying(255) NOT NULL',
    ]);
    const indexes = await fixture.sql<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'acme_ev_4' ORDER BY indexname`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual(['acme_ev_4_pkey', 'idx_acme_ev_4_ei', 'idx_acme_ev_4_et', 'idx_acme_ev_4_history']);
  });
});
