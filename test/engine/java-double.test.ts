import { describe, expect, it } from 'vitest';
import { isJavaDouble, javaDouble, renderPredictionJson } from '../../src/native/engine/java-double.js';

describe('javaDouble in predictions', () => {
  it('prints marked numbers as Java prints a double, everything else as JSON.stringify', () => {
    const prediction = { itemScores: [{ item: 'Surface', score: javaDouble(0) }, { item: 'Nexus', score: javaDouble(1e-4), rank: 2 }], when: new Date(0) };
    expect(renderPredictionJson(prediction)).toBe(
      '{"itemScores":[{"item":"Surface","score":0.0},{"item":"Nexus","score":1.0E-4,"rank":2}],"when":"1970-01-01T00:00:00.000Z"}',
    );
    expect(renderPredictionJson([javaDouble(4.07), javaDouble(Number.NaN), undefined])).toBe('[4.07,null,null]');
    expect(renderPredictionJson({ a: undefined, b: javaDouble(100) })).toBe('{"b":100.0}');
  });

  it('leaves predictions without markers to JSON.stringify (existing engines print as before)', () => {
    const plain = { itemScores: [{ item: '22', score: 1 }], none: undefined };
    expect(renderPredictionJson(plain)).toBe(JSON.stringify(plain));
    expect(renderPredictionJson(undefined)).toBe('null');
  });

  it('is recognised across module copies and reads as the number where unknown', () => {
    const foreign = { [Symbol.for('pio-deploy.javaDouble')]: 2, toJSON: () => 2 };
    expect(isJavaDouble(foreign)).toBe(true);
    expect(renderPredictionJson({ score: foreign })).toBe('{"score":2.0}');
    expect(JSON.stringify({ score: javaDouble(2) })).toBe('{"score":2}');
  });
});
