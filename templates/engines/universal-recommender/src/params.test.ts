import { describe, expect, it } from 'vitest';
import { algorithmParams, dataSourceParams, parseDurationSeconds, rankingOrder, resolveSettings } from './params.js';

describe('UR params', () => {
  it('fills in UR 0.7.3 defaults', () => {
    const params = algorithmParams.parse({ appName: 'a', indexName: 'i', typeName: 't', eventNames: ['buy', 'view'] });
    expect(params).toMatchObject({ recsModel: 'all', maxEventsPerEventType: 500, maxCorrelatorsPerEventType: 50, num: 20, returnSelf: false, numShards: 5 });
    const settings = resolveSettings(params);
    expect(settings.maxQueryEvents).toBe(100);
    expect(settings.blacklistEvents).toEqual(['buy']);
    expect(settings.rankings).toEqual([{ name: 'popRank', type: 'popular', eventNames: ['buy'], duration: 3650 * 86400, offsetDate: undefined }]);
    expect(settings.indicators.get('view')).toMatchObject({ maxItemsPerUser: 100, maxInteractions: 500, maxCorrelatorsPerItem: 50 });
  });

  it('derives indicator settings as URAlgorithm does', () => {
    const settings = resolveSettings(
      algorithmParams.parse({ indicators: [{ name: 'buy' }, { name: 'view', maxItemsPerUser: 20, minLLR: 2 }] }),
    );
    expect(settings.maxQueryEvents).toBe((100 + 20) * 10);
    expect(settings.indicators.get('buy')).toMatchObject({ maxItemsPerUser: 500, maxInteractions: 500 });
    expect(settings.indicators.get('view')).toMatchObject({ maxItemsPerUser: 20, minLLR: 2 });
  });

  it('accepts Spark/Elasticsearch-only keys and comments', () => {
    expect(
      algorithmParams.safeParse({ eventNames: ['buy'], seed: 3, numESWriteConnections: 10, sparkConf: {}, comment: 'x', indexName: 'u' }).success,
    ).toBe(true);
    expect(dataSourceParams.safeParse({ eventNames: ['buy'], name: 'data.txt', comment: 'x', eventWindow: { duration: '30 days' } }).success).toBe(true);
  });

  it('rejects unknown and mistyped params naming the field', () => {
    const unknown = algorithmParams.safeParse({ eventNames: ['buy'], maxCorelatorsPerEventType: 3 });
    expect(unknown.success).toBe(false);
    expect(JSON.stringify(unknown.error?.issues)).toContain('maxCorelatorsPerEventType');
    const mistyped = algorithmParams.safeParse({ eventNames: ['buy'], num: 'ten' });
    expect(mistyped.error?.issues[0]?.path).toEqual(['num']);
    const neither = algorithmParams.safeParse({ appName: 'a' });
    expect(neither.error?.issues[0]?.message).toContain('eventNames');
    expect(algorithmParams.safeParse({ eventNames: ['b'], rankings: [{ type: 'famous' }] }).error?.issues[0]?.path).toEqual(['rankings', 0, 'type']);
  });

  it('orders rankings as upstream sorts them', () => {
    expect(rankingOrder(['random', 'popular', 'trending'])).toEqual(['trending', 'popular', 'random']);
    expect(rankingOrder(['popular', 'hot', 'userDefined', 'trending', 'random'])).toEqual(['trending', 'hot', 'popular', 'userDefined', 'random']);
  });

  it('parses Scala durations', () => {
    expect(parseDurationSeconds('3650 days')).toBe(315_360_000);
    expect(parseDurationSeconds('2 hours')).toBe(7200);
    expect(() => parseDurationSeconds('soon')).toThrow(/Bad duration/);
  });
});
