/**
 * `--stats` bookkeeping (BEHAVIOUR.md#event-server-stats, the 0.12/0.13 behaviour): per app, counts of successfully inserted
 * events by (entityType, targetEntityType, event) and by status code, for the current hour, the previous
 * hour and the server's lifetime.
 */
export interface CountedEvent {
  event: string;
  entityType: string;
  targetEntityType?: string | undefined;
}

interface StatusCodeKey {
  intValue: number;
  reason: string;
  isSuccess: boolean;
}

const REASONS: Record<number, string> = { 201: 'Created' };

class Period {
  endTime: Date | undefined;
  // Keys are JSON texts of the key objects so equal keys share one counter.
  private readonly basic = new Map<string, Map<number, number>>();
  private readonly statusCodes = new Map<number, Map<number, number>>();

  constructor(readonly startTime: Date) {}

  count(appId: number, status: number, event: CountedEvent): void {
    const key = JSON.stringify(
      event.targetEntityType === undefined
        ? { entityType: event.entityType, event: event.event }
        : { entityType: event.entityType, targetEntityType: event.targetEntityType, event: event.event },
    );
    increment(this.basic, key, appId);
    increment(this.statusCodes, status, appId);
  }

  snapshot(appId: number): Record<string, unknown> {
    const basic: { key: unknown; value: number }[] = [];
    for (const [key, perApp] of this.basic) {
      const value = perApp.get(appId);
      if (value !== undefined) basic.push({ key: JSON.parse(key) as unknown, value });
    }
    const statusCode: { key: StatusCodeKey; value: number }[] = [];
    for (const [status, perApp] of this.statusCodes) {
      const value = perApp.get(appId);
      if (value !== undefined) {
        statusCode.push({
          key: { intValue: status, reason: REASONS[status] ?? String(status), isSuccess: status < 400 },
          value,
        });
      }
    }
    return {
      startTime: this.startTime.toISOString(),
      ...(this.endTime === undefined ? {} : { endTime: this.endTime.toISOString() }),
      basic,
      statusCode,
    };
  }
}

function increment<K>(counters: Map<K, Map<number, number>>, key: K, appId: number): void {
  let perApp = counters.get(key);
  if (perApp === undefined) {
    perApp = new Map();
    counters.set(key, perApp);
  }
  perApp.set(appId, (perApp.get(appId) ?? 0) + 1);
}

/** Top of the hour in the server's local time, as upstream's stats actor computes it. */
function topOfHour(now: Date): Date {
  const hour = new Date(now);
  hour.setMinutes(0, 0, 0);
  return hour;
}

export class EventStats {
  private readonly longLive: Period;
  private currentHour: Period;
  private prevHour: Period;

  constructor(private readonly clock: () => Date = () => new Date()) {
    const now = this.clock();
    this.longLive = new Period(now);
    this.currentHour = new Period(topOfHour(now));
    this.prevHour = new Period(new Date(this.currentHour.startTime.getTime() - 3_600_000));
    this.prevHour.endTime = this.currentHour.startTime;
  }

  record(appId: number, status: number, event: CountedEvent): void {
    this.rollOver();
    this.currentHour.count(appId, status, event);
    this.longLive.count(appId, status, event);
  }

  snapshot(appId: number): Record<string, unknown> {
    this.rollOver();
    return {
      time: this.clock().toISOString(),
      currentHour: this.currentHour.snapshot(appId),
      prevHour: this.prevHour.snapshot(appId),
      longLive: this.longLive.snapshot(appId),
    };
  }

  private rollOver(): void {
    const hour = topOfHour(this.clock());
    if (hour.getTime() === this.currentHour.startTime.getTime()) return;
    this.prevHour = this.currentHour;
    this.prevHour.endTime = hour;
    this.currentHour = new Period(hour);
  }
}
