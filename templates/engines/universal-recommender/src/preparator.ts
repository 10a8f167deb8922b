import type { Preparator } from 'pio-deploy/engine';
import type { TrainingData } from './data-source.js';

/** A binary user × item matrix in compressed rows: row r holds `cols[rowPtr[r] .. rowPtr[r+1])`, sorted. */
export interface BinaryMatrix {
  rowPtr: Int32Array;
  cols: Int32Array;
}

export interface PreparedData extends Omit<TrainingData, 'interactions'> {
  /** Rows: the users who pass `minEventsPerUser` on the primary event (all primary users without it). */
  userRows: number;
  /** In training-data order; the first is the primary (A) matrix. */
  matrices: Array<{ eventName: string; matrix: BinaryMatrix }>;
}

/**
 * Upstream's Preparator: users with fewer than `minEventsPerUser` primary events (duplicates count)
 * are dropped from every matrix, secondary events of users without a primary event too; then each
 * event's pairs become a binary matrix over those users.
 */
export class UrPreparator implements Preparator<TrainingData, PreparedData> {
  prepare(_ctx: unknown, data: TrainingData): PreparedData {
    const primary = data.interactions[0];
    if (!primary) throw new Error('No events to train on: import events of the first (primary) event name first.');
    const primaryCounts = new Int32Array(data.users.size);
    for (const user of primary.users) primaryCounts[user]!++;
    const minEvents = data.minEventsPerUser ?? 1;
    const rowOfUser = new Int32Array(data.users.size).fill(-1);
    let userRows = 0;
    for (let user = 0; user < primaryCounts.length; user++) {
      if (primaryCounts[user]! > 0 && primaryCounts[user]! >= minEvents) rowOfUser[user] = userRows++;
    }
    const matrices = data.interactions.map(({ eventName, users, items }) => ({
      eventName,
      matrix: binaryMatrix(users, items, rowOfUser, userRows),
    }));
    const { interactions: _dropped, ...rest } = data;
    return { ...rest, userRows, matrices };
  }
}

function binaryMatrix(users: Int32Array, items: Int32Array, rowOfUser: Int32Array, rows: number): BinaryMatrix {
  const counts = new Int32Array(rows + 1);
  for (let i = 0; i < users.length; i++) {
    const row = rowOfUser[users[i]!]!;
    if (row >= 0) counts[row + 1]!++;
  }
  for (let r = 0; r < rows; r++) counts[r + 1]! += counts[r]!;
  const fill = counts.slice(0, rows);
  const raw = new Int32Array(counts[rows]!);
  for (let i = 0; i < users.length; i++) {
    const row = rowOfUser[users[i]!]!;
    if (row >= 0) raw[fill[row]!++] = items[i]!;
  }
  // Sort and de-duplicate each row (binarise).
  const rowPtr = new Int32Array(rows + 1);
  const cols = new Int32Array(raw.length);
  let out = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = out;
    const segment = raw.subarray(counts[r], counts[r + 1]).sort();
    for (let k = 0; k < segment.length; k++) {
      if (k === 0 || segment[k] !== segment[k - 1]) cols[out++] = segment[k]!;
    }
  }
  rowPtr[rows] = out;
  return { rowPtr, cols: cols.slice(0, out) };
}
