import { describe, expect, it } from 'vitest';
import { matrixTotal, perClassMetrics, toMatrix } from '../../src/jobs/metrics.js';

describe('per-class metrics', () => {
  it('computes precision, recall, F1 and support from a confusion matrix', () => {
    // true a: 8 right, 2 called b; true b: 1 called a, 4 right; true c: never predicted right
    const m = [
      [8, 2, 0],
      [1, 4, 0],
      [0, 3, 0],
    ];
    const [a, b, c] = perClassMetrics(m, ['a', 'b', 'c']);
    expect(a).toMatchObject({ className: 'a', support: 10, precision: 8 / 9, recall: 0.8 });
    expect(a!.f1).toBeCloseTo((2 * (8 / 9) * 0.8) / (8 / 9 + 0.8), 12);
    expect(b).toMatchObject({ support: 5, precision: 4 / 9, recall: 0.8 });
    expect(c).toMatchObject({ support: 3, precision: 0, recall: 0, f1: 0 });
    expect(matrixTotal(m)).toBe(18);
  });

  it('reshapes a flat row-major matrix', () => {
    expect(toMatrix(Int32Array.from([1, 2, 3, 4]), 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
