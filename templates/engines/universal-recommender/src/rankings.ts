import type { EngineContext, JsonObject } from 'pio-deploy/engine';
import { parseEsDate } from './dates.js';
import type { ResolvedRanking } from './params.js';

/**
 * Item ranks (upstream PopModel): counts of the ranking's events per item in a window ending at
 * `offsetDate` (else now) and `duration` long. `trending` is the newer half's count minus the older
 * half's, `hot` the change of that difference over thirds (only items counted in every part get a
 * rank, and none at all when the oldest part is empty); `userDefined` is the item property of that
 * name; `random` a fresh random number per item.
 */
export async function computeRanks(
  ctx: EngineContext,
  appName: string,
  ranking: ResolvedRanking,
  itemProperties: Map<string, JsonObject>,
): Promise<Map<string, number>> {
  const end = endOf(ctx, ranking);
  const start = end - ranking.duration * 1000;
  const count = (from: number, until: number) => countEvents(ctx, appName, ranking.eventNames, from, until);
  switch (ranking.type) {
    case 'popular':
      return count(start, end);
    case 'trending': {
      const half = Math.floor((end - start) / 2);
      const older = await count(start, start + half);
      if (older.size === 0) return new Map();
      const newer = await count(start + half, end);
      return joined(newer, older);
    }
    case 'hot': {
      const third = Math.floor((end - start) / 3);
      const older = await count(start, start + third);
      if (older.size === 0) return new Map();
      const middle = await count(start + third, start + 2 * third);
      if (middle.size === 0) return new Map();
      const newer = await count(start + 2 * third, end);
      return joined(joined(newer, middle), joined(middle, older));
    }
    case 'userDefined': {
      const ranks = new Map<string, number>();
      for (const [item, fields] of itemProperties) {
        const value = rankValue(fields[ranking.name]);
        if (value !== undefined) ranks.set(item, value);
      }
      return ranks;
    }
    case 'random': {
      // Upstream: items with any event in the window, plus items with properties.
      const items = new Set((await countEvents(ctx, appName, [], start, end)).keys());
      for (const item of itemProperties.keys()) items.add(item);
      return new Map([...items].map((item) => [item, Math.random()]));
    }
  }
}

function endOf(ctx: EngineContext, ranking: ResolvedRanking): number {
  if (ranking.offsetDate === undefined) return Date.now();
  const parsed = parseEsDate(ranking.offsetDate);
  if (parsed === undefined) {
    ctx.log.warn(`Bad offsetDate for ranking ${ranking.name}: ${ranking.offsetDate}, using now`);
    return Date.now();
  }
  return parsed;
}

/** Items present in both, with the difference of their counts. */
function joined(newer: Map<string, number>, older: Map<string, number>): Map<string, number> {
  const result = new Map<string, number>();
  for (const [item, count] of newer) {
    const before = older.get(item);
    if (before !== undefined) result.set(item, count - before);
  }
  return result;
}

async function countEvents(
  ctx: EngineContext,
  appName: string,
  eventNames: string[],
  from: number,
  until: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const event of ctx.events.stream({
    appName,
    eventNames: eventNames.length > 0 ? eventNames : undefined,
    startTime: new Date(from),
    untilTime: new Date(until),
  })) {
    if (event.targetEntityId === undefined) continue;
    counts.set(event.targetEntityId, (counts.get(event.targetEntityId) ?? 0) + 1);
  }
  return counts;
}

/** A property as a float ranking field reads it: a number or a numeric string. */
export function rankValue(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}
