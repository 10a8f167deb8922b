import { describe, expect, it } from 'vitest';
import { bm25Idf, termScore } from './bm25.js';
import { javaDoubleString } from 'pio-deploy/engine';
import { shortestFloatDecimal } from './float-format.js';
import { logLikelihoodRatio } from './cco-kernel.js';
import { murmur3, shardOf } from './murmur3.js';

describe('logLikelihoodRatio (Mahout evaluation order)', () => {
  it('matches hand-computed values', () => {
    // (1,0,0,1): row = col = matrix entropy = 2 ln 2, so LLR = 2 (4 ln 2 - 2 ln 2) = 4 ln 2.
    expect(logLikelihoodRatio(1, 0, 0, 1)).toBeCloseTo(4 * Math.LN2, 14);
    expect(logLikelihoodRatio(10, 0, 0, 10)).toBeCloseTo(40 * Math.LN2, 12);
    // The textbook G statistic 2 Σ k ln(k N / (row · col)) agrees up to round-off.
    const gTest = (k11: number, k12: number, k21: number, k22: number) => {
      const n = k11 + k12 + k21 + k22;
      const cells: Array<[number, number, number]> = [
        [k11, k11 + k12, k11 + k21],
        [k12, k11 + k12, k12 + k22],
        [k21, k21 + k22, k11 + k21],
        [k22, k21 + k22, k12 + k22],
      ];
      return 2 * cells.reduce((sum, [k, row, col]) => sum + (k === 0 ? 0 : k * Math.log((k * n) / (row * col))), 0);
    };
    const tables: Array<[number, number, number, number]> = [[5, 1995, 0, 100000], [1000, 1995, 1000, 100000], [3, 1, 2, 7], [2, 0, 1, 4]];
    for (const table of tables) {
      expect(logLikelihoodRatio(...table)).toBeCloseTo(gTest(...table), 6);
    }
  });

  it('keeps round-off on independent pairs exactly as Mahout: tiny positive, or 0', () => {
    // k11·k22 = k12·k21: 0 in exact arithmetic.
    expect(logLikelihoodRatio(1, 1, 2, 2)).toBe(2 * 8.881784197001252e-16);
    expect(logLikelihoodRatio(1, 1, 1, 1)).toBe(0); // the sum falls below the matrix entropy
    expect(logLikelihoodRatio(1, 1, 6, 6)).toBe(0);
  });
});

describe('murmur3_x86_32', () => {
  it('matches the reference vectors over bytes', () => {
    const utf8 = (text: string) => new TextEncoder().encode(text);
    expect(murmur3(utf8(''))).toBe(0);
    expect(murmur3(utf8(''), 1) >>> 0).toBe(0x514e28b7);
    expect(murmur3(utf8('hello')) >>> 0).toBe(0x248bfa47);
    expect(murmur3(utf8('The quick brown fox jumps over the lazy dog')) >>> 0).toBe(0x2e4ff723);
  });

  it("matches Elasticsearch's routing hash over UTF-16LE", () => {
    // Elasticsearch's Murmur3HashFunctionTests.
    const es = (text: string) => murmur3(Buffer.from(text, 'utf16le')) >>> 0;
    expect(es('hell')).toBe(0x5a0cb7c3);
    expect(es('hello')).toBe(0xd7c31989);
    expect(es('hello w')).toBe(0x22ab2984);
    expect(es('hello wo')).toBe(0xdf0ca123);
    expect(es('hello wor')).toBe(0xe7744d61);
    expect(es('The quick brown fox jumps over the lazy dog')).toBe(0xe07db09c);
    expect(es('The quick brown fox jumps over the lazy cog')).toBe(0x4e63d2ad);
  });

  it('places ids in shards with floorMod', () => {
    for (const id of ['Nexus', 'Iphone 4', 'u-3', '']) {
      const shard = shardOf(id, 5);
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(5);
    }
  });
});

const javaFloatScoreString = (value: number) => javaDoubleString(shortestFloatDecimal(value));

describe('scores', () => {
  it('computes BM25 idf and term scores in float32', () => {
    expect(javaFloatScoreString(termScore(bm25Idf(2, 2), 1))).toBe('0.18232156');
    expect(javaFloatScoreString(termScore(bm25Idf(1, 2), 1))).toBe('0.6931472');
    expect(javaFloatScoreString(termScore(bm25Idf(1, 2), Math.fround(1.05)))).toBe('0.7278045');
  });

  it('prints floats as UR does', () => {
    expect(javaFloatScoreString(0)).toBe('0.0');
    expect(javaFloatScoreString(14)).toBe('14.0');
    expect(javaFloatScoreString(Math.fround(0.18232156))).toBe('0.18232156');
    expect(javaFloatScoreString(Math.fround(1e-5))).toBe('1.0E-5');
  });
});
