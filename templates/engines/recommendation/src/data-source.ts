import { appNameOf, type DataSource, type EngineContext, type EngineEvent, type EvalFold, type FindEventsQuery, jsonString, z } from 'pio-deploy/engine';
import type { Rating } from './als.js';

export interface Query {
  user: string;
  num: number;
}

/** The held-out ratings of one user, for evaluation. */
export interface ActualResult {
  ratings: Rating[];
}

export interface TrainingData {
  ratings: Rating[];
}

export const dataSourceParams = z.object({
  /** Defaults to $PIO_EVENTSERVER_APP_NAME, the app the buildpack's release phase creates. */
  appName: jsonString().optional(),
  evalParams: z.object({ kFold: z.number().int().min(2), queryNum: z.number().int().positive() }).optional(),
});
export type DataSourceParams = z.infer<typeof dataSourceParams>;

/** A `buy` counts as a strong explicit rating, as in the upstream recommendation template. */
export const BUY_RATING = 4;

/** Reads `rate` (property `rating`) and `buy` events of users on items. */
export class RatingsDataSource implements DataSource<TrainingData, null, Query, ActualResult> {
  static params = dataSourceParams;

  constructor(readonly params: DataSourceParams) {}

  async readTraining(ctx: EngineContext): Promise<TrainingData> {
    const ratings = await this.readRatings(ctx);
    ctx.log.info(`Read ${ratings.length} ratings.`);
    return { ratings };
  }

  /** k folds by event position: fold i tests on every k-th rating, one query per test user. */
  async readEval(ctx: EngineContext): Promise<Array<EvalFold<TrainingData, null, Query, ActualResult>>> {
    const evalParams = this.params.evalParams;
    if (!evalParams) throw new Error('Evaluation needs datasource.params.evalParams {"kFold": n, "queryNum": n}.');
    const ratings = await this.readRatings(ctx);
    return Array.from({ length: evalParams.kFold }, (_, fold) => {
      const training = ratings.filter((_, i) => i % evalParams.kFold !== fold);
      const testByUser = new Map<string, Rating[]>();
      ratings.forEach((rating, i) => {
        if (i % evalParams.kFold !== fold) return;
        const list = testByUser.get(rating.user) ?? [];
        list.push(rating);
        testByUser.set(rating.user, list);
      });
      const pairs: Array<[Query, ActualResult]> = [...testByUser].map(([user, userRatings]) => [
        { user, num: evalParams.queryNum },
        { ratings: userRatings },
      ]);
      return [{ ratings: training }, null, pairs];
    });
  }

  /**
   * One columnar read (binary COPY, ids interned) in `find`'s order, so the ratings, and with them the
   * model and the evaluation folds, are the same as an event-by-event read gives.
   */
  private async readRatings(ctx: EngineContext): Promise<Rating[]> {
    const query = {
      appName: appNameOf(this.params.appName),
      entityType: 'user',
      eventNames: ['rate', 'buy'],
      targetEntityType: 'item',
    };
    const columns = await ctx.events.readColumns({ ...query, numericProperty: 'rating', ordered: true });
    const buy = columns.eventNames.indexOf('buy');
    const ratings: Rating[] = new Array<Rating>(columns.size);
    for (let i = 0; i < columns.size; i++) {
      const rating = columns.event[i] === buy ? BUY_RATING : (columns.value[i] as number);
      const target = columns.target[i] as number;
      // A `rate` without a numeric rating, or an event without a target: read event by event to name it in the error.
      if (!Number.isFinite(rating) || target < 0) return this.readRatingsByEvent(ctx, query);
      ratings[i] = { user: columns.entityIds[columns.entity[i] as number] as string, item: columns.targetIds[target] as string, rating };
    }
    return ratings;
  }

  private async readRatingsByEvent(ctx: EngineContext, query: FindEventsQuery): Promise<Rating[]> {
    const ratings: Rating[] = [];
    for await (const event of ctx.events.stream(query)) ratings.push(toRating(event));
    return ratings;
  }
}

function toRating(event: EngineEvent): Rating {
  const item = event.targetEntityId;
  if (item === undefined) throw new Error(`Cannot convert event ${event.eventId} to a rating: it has no targetEntityId.`);
  if (event.event === 'buy') return { user: event.entityId, item, rating: BUY_RATING };
  const rating = event.properties.rating;
  if (typeof rating !== 'number' || !Number.isFinite(rating)) {
    throw new Error(
      `Cannot convert event ${event.eventId} to a rating: property "rating" must be a number, got ${JSON.stringify(rating ?? null)}.`,
    );
  }
  return { user: event.entityId, item, rating };
}
