import { appNameOf, type DataSource, type EngineContext, type EvalFold, jsonString, z } from 'pio-deploy/engine';

/** Usage of one user, the query of `/queries.json`. */
export interface Query {
  voice_usage: number;
  data_usage: number;
  text_usage: number;
}

export interface ActualResult {
  service_plan: number;
}

export interface LabeledPoint {
  label: number;
  /** [voice_usage, data_usage, text_usage] */
  features: number[];
}

export interface TrainingData {
  points: LabeledPoint[];
}

export const FEATURES = ['voice_usage', 'data_usage', 'text_usage'] as const;
export const LABEL = 'service_plan';

export const dataSourceParams = z.object({
  /** Defaults to $PIO_EVENTSERVER_APP_NAME, the app the buildpack's release phase creates. */
  appName: jsonString().optional(),
  /** Number of folds for `pio eval`. */
  evalK: z.number().int().min(2).optional(),
});
export type DataSourceParams = z.infer<typeof dataSourceParams>;

export function toFeatures(query: Query): number[] {
  return FEATURES.map((name) => query[name]);
}

/** Users' usage and plan, from `$set` properties of `user` entities. */
export class UsageDataSource implements DataSource<TrainingData, null, Query, ActualResult> {
  static params = dataSourceParams;

  constructor(readonly params: DataSourceParams) {}

  async readTraining(ctx: EngineContext): Promise<TrainingData> {
    const points = await this.readPoints(ctx);
    ctx.log.info(`Read ${points.length} users with a service plan.`);
    return { points };
  }

  /** `evalK` folds; fold i tests on every evalK-th user (users ordered by id). */
  async readEval(ctx: EngineContext): Promise<Array<EvalFold<TrainingData, null, Query, ActualResult>>> {
    const k = this.params.evalK;
    if (k === undefined) throw new Error('Evaluation needs datasource.params.evalK (the number of folds) in the engine params.');
    const points = await this.readPoints(ctx);
    return Array.from({ length: k }, (_, fold) => {
      const training = points.filter((_, i) => i % k !== fold);
      const testing = points.filter((_, i) => i % k === fold);
      const pairs: Array<[Query, ActualResult]> = testing.map((point) => [
        { voice_usage: point.features[0]!, data_usage: point.features[1]!, text_usage: point.features[2]! },
        { service_plan: point.label },
      ]);
      return [{ points: training }, null, pairs];
    });
  }

  private async readPoints(ctx: EngineContext): Promise<LabeledPoint[]> {
    const users = await ctx.events.aggregateProperties({
      appName: appNameOf(this.params.appName),
      entityType: 'user',
      required: [LABEL, ...FEATURES],
    });
    // Storage order is not guaranteed: sort by id so folds and bootstrap samples are reproducible.
    const ids = [...users.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return ids.map((id) => {
      const fields = users.get(id)!.fields;
      const number = (name: string): number => {
        const value = fields[name];
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new Error(`User ${id}: property "${name}" must be a number, got ${JSON.stringify(value ?? null)}.`);
        }
        return value;
      };
      return { label: number(LABEL), features: FEATURES.map(number) };
    });
  }
}
