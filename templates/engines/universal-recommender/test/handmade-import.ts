/**
 * What upstream's `examples/import_handmade.py` sends to the event server, as event JSON objects:
 * one event per data line, the first at "now" and each next one 0.8 days earlier; then `$set` of
 * `expires`/`available`/`date` on the seven items (no event time: the server's clock), the first
 * item's date 2.4 days ago, each next one 0.8 days later, availability 2 days before and expiry 2
 * days after that date. Dates are written as Python's `isoformat()` of UTC datetimes.
 */
export interface ImportEvent {
  event: string;
  entityType: string;
  entityId: string;
  targetEntityType?: string;
  targetEntityId?: string;
  properties?: Record<string, unknown>;
  eventTime?: string;
}

const DAY_MS = 86_400_000;
const ITEMS = ['Iphone 6', 'Ipad-retina', 'Nexus', 'Surface', 'Iphone 4', 'Galaxy', 'Iphone 5'];

/** Python `datetime.isoformat()` of an aware UTC datetime: microseconds only when non-zero. */
export function pythonIso(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-05-01T12:00:00.123Z
  const [seconds, fraction] = iso.slice(0, -1).split('.');
  return `${seconds}${fraction === '000' ? '' : `.${fraction}000`}+00:00`;
}

export function handmadeEvents(dataText: string, now: number): ImportEvent[] {
  const events: ImportEvent[] = [];
  let current = now;
  for (const line of dataText.split('\n')) {
    if (line.replace(/\r$/, '') === '') continue;
    const [entityId = '', event = '', target = ''] = line.replace(/\r$/, '').split(',');
    if (event !== '$set') {
      events.push({ event, entityType: 'user', entityId, targetEntityType: 'item', targetEntityId: target, eventTime: pythonIso(current) });
    } else {
      const [name = '', ...values] = target.split(':');
      events.push({
        event,
        entityType: 'item',
        entityId,
        eventTime: pythonIso(current),
        properties: { [name]: name === 'defaultRank' ? Number(values[0]) : values },
      });
    }
    current -= 0.8 * DAY_MS;
  }
  let date = now - 2.4 * DAY_MS;
  for (const item of ITEMS) {
    events.push({
      event: '$set',
      entityType: 'item',
      entityId: item,
      properties: { expires: pythonIso(date + 2 * DAY_MS), available: pythonIso(date - 2 * DAY_MS), date: pythonIso(date) },
    });
    date += 0.8 * DAY_MS;
  }
  return events;
}

/** `date --iso-8601=seconds` as the query script computes BEFORE (tomorrow) and AFTER (1 day ago). */
export function scriptDates(now: number): { before: string; after: string } {
  const seconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
  return { before: seconds(now + DAY_MS), after: seconds(now - DAY_MS) };
}
