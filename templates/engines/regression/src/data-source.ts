import { appNameOf, type DataSource, type EngineContext, type EvalFold, jsonString, z } from 'pio-deploy/engine';

export interface Query {
  vector: number[];
}

export interface ActualResult {
  label: number;
}

export interface TrainingData {
  vectors: number[][];
  labels: number[];
}

export const dataSourceParams = z.object({
  /** Defaults to $PIO_EVENTSERVER_APP_NAME, the app the buildpack's release phase creates. */
  appName: jsonString().optional(),
  entityType: z.string().min(1).default('student'),
  /** Properties forming the feature vector, in query `vector` order. */
  features: z.array(z.string().min(1)).min(1).default(['aptitude-grade']),
  /** Property to predict. */
  label: z.string().min(1).default('overall-grade'),
  /** Number of folds for `pio eval`. */
  evalK: z.number().int().min(2).optional(),
});
export type DataSourceParams = z.infer<typeof dataSourceParams>;

/** Feature vectors and labels from `$set` properties of one entity type. */
export class VectorDataSource implements DataSource<TrainingData, null, Query, ActualResult> {
  static params = dataSourceParams;

  constructor(readonly params: DataSourceParams) {}

  async readTraining(ctx: EngineContext): Promise<TrainingData> {
    const data = await this.read(ctx);
    ctx.log.info(`Read ${data.labels.length} ${this.params.entityType} entities.`);
    return data;
  }

  /** `evalK` folds; fold i tests on every evalK-th entity (entities ordered by id). */
  async readEval(ctx: EngineContext): Promise<Array<EvalFold<TrainingData, null, Query, ActualResult>>> {
    const k = this.params.evalK;
    if (k === undefined) throw new Error('Evaluation needs datasource.params.evalK (the number of folds) in the engine params.');
    const { vectors, labels } = await this.read(ctx);
    return Array.from({ length: k }, (_, fold) => {
      const inTraining = (i: number) => i % k !== fold;
      const pairs: Array<[Query, ActualResult]> = [];
      vectors.forEach((vector, i) => {
        if (!inTraining(i)) pairs.push([{ vector }, { label: labels[i]! }]);
      });
      return [{ vectors: vectors.filter((_, i) => inTraining(i)), labels: labels.filter((_, i) => inTraining(i)) }, null, pairs];
    });
  }

  private async read(ctx: EngineContext): Promise<TrainingData> {
    const { entityType, features, label } = this.params;
    const entities = await ctx.events.aggregateProperties({
      appName: appNameOf(this.params.appName),
      entityType,
      required: [...features, label],
    });
    const ids = [...entities.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const vectors: number[][] = [];
    const labels: number[] = [];
    for (const id of ids) {
      const fields = entities.get(id)!.fields;
      const number = (name: string): number => {
        const value = fields[name];
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new Error(`${entityType} ${id}: property "${name}" must be a number, got ${JSON.stringify(value ?? null)}.`);
        }
        return value;
      };
      vectors.push(features.map(number));
      labels.push(number(label));
    }
    return { vectors, labels };
  }
}
