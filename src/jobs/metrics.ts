/**
 * Classification metrics from a confusion matrix: pure arithmetic, tested
 * with tables. Rows are true classes, columns predicted classes.
 */
import type { ClassMetrics } from '../store/job-schemas.js';

export function perClassMetrics(matrix: number[][], classes: string[]): ClassMetrics[] {
  const k = classes.length;
  const colSums = new Array<number>(k).fill(0);
  for (const row of matrix) row.forEach((v, j) => (colSums[j]! += v));
  return classes.map((className, i) => {
    const row = matrix[i] ?? [];
    const tp = row[i] ?? 0;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = colSums[i] ?? 0;
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { className, precision, recall, f1, support };
  });
}

/** Reshapes a row-major k×k Int32Array into rows. */
export function toMatrix(flat: ArrayLike<number>, k: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < k; i++) rows.push(Array.from({ length: k }, (_, j) => Number(flat[i * k + j] ?? 0)));
  return rows;
}

export function matrixTotal(matrix: number[][]): number {
  return matrix.reduce((a, row) => a + row.reduce((b, v) => b + v, 0), 0);
}
