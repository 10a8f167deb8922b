import { z } from 'zod';

/**
 * `PIO_TRAIN_GATE`: the promotion gate of a training, as space-separated `key=value` settings:
 *
 *   PIO_TRAIN_GATE="metric=src/evaluation.ts#accuracy tolerance=0.01"
 *
 * `metric` names the engine's metric (or an evaluation, whose metric is used) as `pio eval` names it;
 * `tolerance` is how much worse than the serving model the new training may score and still be promoted
 * (default 0). The held-out data is the engine's own: its DataSource's `readEval` folds (the runtime
 * cannot split an engine's training data, whose shape only the engine knows).
 */
export interface TrainGate {
  metric: string;
  tolerance: number;
}

/** `pio train`'s exit code when the gate refused the training and PIO_TRAIN_GATE_FAIL_RELEASE=true. */
export const GATE_REFUSED_EXIT_CODE = 4;

export const TRAIN_GATE_EXAMPLE = 'metric=src/evaluation.ts#accuracy tolerance=0.01';

const gateSchema = z
  .object({
    metric: z
      .string({ error: 'metric=<module>#<export> is required (the metric or evaluation, as for pio eval)' })
      .regex(/^[^#\s]+#[A-Za-z_$][\w$]*$/, 'metric must be <module>#<export>, e.g. src/evaluation.ts#accuracy'),
    tolerance: z
      .string()
      .default('0')
      .transform((raw) => Number(raw))
      .refine((value) => Number.isFinite(value) && value >= 0, 'tolerance must be a number ≥ 0, e.g. tolerance=0.01'),
  })
  .strict();

/** Parses the variable's value; throws an Error naming the bad part and the expected form. */
export function parseTrainGate(raw: string): TrainGate {
  const settings: Record<string, string> = {};
  for (const word of raw.trim().split(/\s+/)) {
    const equals = word.indexOf('=');
    if (equals <= 0) throw new Error(`"${word}" is not key=value; expected e.g. ${TRAIN_GATE_EXAMPLE}`);
    const key = word.slice(0, equals);
    if (key in settings) throw new Error(`${key} is given twice`);
    settings[key] = word.slice(equals + 1);
  }
  const result = gateSchema.safeParse(settings);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new Error(`unknown setting ${issue.keys.join(', ')}: the settings are metric and tolerance, e.g. ${TRAIN_GATE_EXAMPLE}`);
  }
  throw new Error(issue.message);
}
