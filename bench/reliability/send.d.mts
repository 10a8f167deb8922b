import type { HostileCase } from './corpus.mjs';
export interface CaseResult {
  case: HostileCase;
  status: number;
  text: string;
  error?: string;
}
export function sendCase(baseUrl: string, c: HostileCase): Promise<Omit<CaseResult, 'case'>>;
export function runCases(cases: HostileCase[], baseUrlOf: (c: HostileCase) => string, concurrency: number): Promise<CaseResult[]>;
export function statusClass(status: number): string;
export function rssMb(pid: number): Promise<number>;
export function samplePeakRss(pids: () => Record<string, number>, everyMs?: number): { stop(): Promise<Record<string, number>> };
