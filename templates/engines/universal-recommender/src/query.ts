import { jsonString, z } from 'pio-deploy/engine';

/**
 * UR's query (Engine.scala `Query`): every member optional; `null` is the same as absent; unknown
 * members are ignored as json4s extraction ignores them.
 */
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  schema
    .nullish()
    .transform((value) => (value === null ? undefined : value) as z.output<T> | undefined);
const float = () => z.number().transform((value) => Math.fround(value));

export const querySchema = z.object({
  user: optional(jsonString()),
  userBias: optional(float()),
  item: optional(jsonString()),
  itemBias: optional(float()),
  itemSet: optional(z.array(jsonString())),
  itemSetBias: optional(float()),
  fields: optional(z.array(z.object({ name: jsonString(), values: z.array(jsonString()), bias: float() }))),
  currentDate: optional(z.string()),
  dateRange: optional(z.object({ name: jsonString(), before: optional(z.string()), after: optional(z.string()) })),
  blacklistItems: optional(z.array(jsonString())),
  returnSelf: optional(z.boolean()),
  num: optional(z.number().int().nonnegative()),
  from: optional(z.number().int().nonnegative()),
  eventNames: optional(z.array(z.string())),
  withRanks: optional(z.boolean()),
});
export type Query = z.output<typeof querySchema>;

export interface ItemScore {
  item: string;
  /** A float32 value (Elasticsearch's score). */
  score: number;
  ranks?: Record<string, number>;
}

export interface PredictedResult {
  itemScores: ItemScore[];
}
