/**
 * Table names and DDL exactly as Apache PredictionIO's JDBC backend creates them (BEHAVIOUR.md#table-names, BEHAVIOUR.md#table-ddl).
 * Identifiers stay unquoted so PostgreSQL folds them to lower case, as in existing PIO databases.
 */

export const metaTables = (namespace: string) => ({
  apps: `${namespace}_apps`,
  accessKeys: `${namespace}_accesskeys`,
  channels: `${namespace}_channels`,
  engineInstances: `${namespace}_engineinstances`,
  evaluationInstances: `${namespace}_evaluationinstances`,
});

export const modelsTable = (namespace: string) => `${namespace}_models`;

export function eventTableName(namespace: string, appId: number, channelId?: number): string {
  if (!Number.isInteger(appId) || appId < 0) throw new RangeError(`Invalid app id ${appId}`);
  if (channelId === undefined) return `${namespace}_${appId}`;
  if (!Number.isInteger(channelId) || channelId < 0) throw new RangeError(`Invalid channel id ${channelId}`);
  return `${namespace}_${appId}_${channelId}`;
}

export const createAppsTable = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  id serial NOT NULL PRIMARY KEY,
  name text NOT NULL,
  description text)`;

export const createAccessKeysTable = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  accesskey varchar(64) NOT NULL PRIMARY KEY,
  appid integer NOT NULL,
  events text)`;

export const createChannelsTable = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  id serial NOT NULL PRIMARY KEY,
  name text NOT NULL,
  appid integer NOT NULL)`;

export const createEngineInstancesTable = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  id varchar(100) NOT NULL PRIMARY KEY,
  status text NOT NULL,
  startTime timestamp DEFAULT CURRENT_TIMESTAMP,
  endTime timestamp DEFAULT CURRENT_TIMESTAMP,
  engineId text NOT NULL,
  engineVersion text NOT NULL,
  engineVariant text NOT NULL,
  engineFactory text NOT NULL,
  batch text NOT NULL,
  env text NOT NULL,
  sparkConf text NOT NULL,
  datasourceParams text NOT NULL,
  preparatorParams text NOT NULL,
  algorithmsParams text NOT NULL,
  servingParams text NOT NULL)`;

export const createEvaluationInstancesTable = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  id varchar(100) NOT NULL PRIMARY KEY,
  status text NOT NULL,
  startTime timestamp DEFAULT CURRENT_TIMESTAMP,
  endTime timestamp DEFAULT CURRENT_TIMESTAMP,
  evaluationClass text NOT NULL,
  engineParamsGeneratorClass text NOT NULL,
  batch text NOT NULL,
  env text NOT NULL,
  sparkConf text NOT NULL,
  evaluatorResults text NOT NULL,
  evaluatorResultsHTML text NOT NULL,
  evaluatorResultsJSON text)`;

export const createModelsTable = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  id varchar(100) NOT NULL PRIMARY KEY,
  models bytea NOT NULL)`;

/** The length of the key text columns (event, entityType, entityId) of the INDEX=enabled layout. */
export const INDEXED_KEY_LENGTH = 255;

/**
 * The event table; with INDEX=enabled the key text columns are varchar(255) plus upstream's two indexes
 * and ours, `_history`: one entity's events in time order, so a user-history read (`findByEntity`, latest N)
 * walks N index entries instead of fetching and sorting all the entity's rows (bench/scale/event-store.mjs:
 * p99 1,725 → 1.19 ms at 50M events). Its key fits a btree entry whatever the text (at most 2,200 bytes).
 */
export function createEventTable(table: string, indexed: boolean): string[] {
  const keyType = indexed ? `varchar(${INDEXED_KEY_LENGTH})` : 'text';
  const create = `CREATE TABLE IF NOT EXISTS ${table} (
  id varchar(32) NOT NULL PRIMARY KEY,
  event ${keyType} NOT NULL,
  entityType ${keyType} NOT NULL,
  entityId ${keyType} NOT NULL,
  targetEntityType text,
  targetEntityId text,
  properties text,
  eventTime timestamp DEFAULT CURRENT_TIMESTAMP,
  eventTimeZone varchar(50) NOT NULL,
  tags text,
  prId text,
  creationTime timestamp DEFAULT CURRENT_TIMESTAMP,
  creationTimeZone varchar(50) NOT NULL)`;
  if (!indexed) return [create];
  return [
    create,
    `CREATE INDEX IF NOT EXISTS idx_${table}_ei ON ${table} (entityId)`,
    `CREATE INDEX IF NOT EXISTS idx_${table}_et ON ${table} (entityType)`,
    `CREATE INDEX IF NOT EXISTS idx_${table}_history ON ${table} (entityId, entityType, eventTime, id)`,
  ];
}

/** Column order used by every event read and write. */
export const EVENT_COLUMNS = [
  'id',
  'event',
  'entitytype',
  'entityid',
  'targetentitytype',
  'targetentityid',
  'properties',
  'eventtime',
  'eventtimezone',
  'tags',
  'prid',
  'creationtime',
  'creationtimezone',
] as const;
