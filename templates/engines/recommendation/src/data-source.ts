import { appNameOf, type DataSource, type EngineContext, type EngineEvent, type EvalFold, type FindEventsQuery, jsonString, z } from 'pio-deploy/engine';
import type { Rating, RatingColumns } from './als.js';

export interface Query {
  user: string;
  num: number;
}

/** The held-out ratings of one user, for evaluation. */
export interface ActualResult {
  ratings: Rating[];
}

export interface TrainingData {
  /** Columns when read for training (compact: no object per rating), `Rating`s in evaluation folds. */
  ratings: readonly Rating[] | RatingColumns;
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
    const ratings = await this.readRatingColumns(ctx);
    ctx.log.info(`Read ${ratings.size} ratings.`);
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
   * One columnar read (binary COPY, ids interned) in `find`'s order, so users and items are numbered,
   * and the model and the evaluation folds come out, as from an event-by-event read.
   */
  private async readRatingColumns(ctx: EngineContext): Promise<RatingColumns> {
    const query = {
      appName: appNameOf(this.params.appName),
      entityType: 'user',
      eventNames: ['rate', 'buy'],
      targetEntityType: 'item',
    };
    const columns = await ctx.events.readColumns({ ...query, numericProperty: 'rating', ordered: true });
    const buy = columns.eventNames.indexOf('buy');
    // The value column becomes the ratings in place: no copy of the read.
    const rating = columns.value;
    for (let i = 0; i < columns.size; i++) {
      if (columns.event[i] === buy) rating[i] = BUY_RATING;
      // A `rate` without a numeric rating, or an event without a target: read event by event to name it.
      if (!Number.isFinite(rating[i]) || (columns.target[i] as number) < 0) return failOnInvalidEvent(ctx, query);
    }
    return { size: columns.size, user: columns.entity, item: columns.target, rating, userIds: columns.entityIds, itemIds: columns.targetIds };
  }

  private async readRatings(ctx: EngineContext): Promise<Rating[]> {
    const { size, user, item, rating, userIds, itemIds } = await this.readRatingColumns(ctx);
    return Array.from({ length: size }, (_, i) => ({
      user: userIds[user[i] as number] as string,
      item: itemIds[item[i] as number] as string,
      rating: rating[i] as number,
    }));
  }
}

/** Throws `toRating`'s error for the first event that is no rating. */
async function failOnInvalidEvent(ctx: EngineContext, query: FindEventsQuery): Promise<never> {
  for await (const event of ctx.events.stream(query)) toRating(event);
  throw new Error('The rating events changed while they were read; train again.');
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
