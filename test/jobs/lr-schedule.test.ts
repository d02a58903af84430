import { describe, expect, it } from 'vitest';
import { afterEpoch, initialPlateau, lrForEpoch } from '../../src/jobs/lr-schedule.js';
import type { EpochRecord } from '../../src/store/job-schemas.js';

const rec = (valLoss: number): EpochRecord => ({ epoch: 1, loss: valLoss, accuracy: 0, valLoss, lr: 0, seconds: 1, imagesPerSec: 1 });

describe('learning-rate schedules', () => {
  it('steps down by gamma every stepSize epochs', () => {
    const s = { type: 'step', stepSize: 2, gamma: 0.5 } as const;
    expect([0, 1, 2, 3, 4].map((e) => lrForEpoch(s, 0.1, e, 5))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('warms up linearly, then follows a cosine to minLr', () => {
    const s = { type: 'cosine', warmupEpochs: 2, minLr: 0 } as const;
    const lrs = [0, 1, 2, 3, 4, 5].map((e) => lrForEpoch(s, 1, e, 6));
    expect(lrs[0]).toBeCloseTo(0.1);
    expect(lrs[1]).toBeCloseTo(0.55);
    expect(lrs[2]).toBeCloseTo(1);
    expect(lrs[4]).toBeCloseTo(0.5); // half way through the cosine part
    expect(lrs[5]).toBeLessThan(lrs[4]!);
  });

  it('reduces on a plateau after patience epochs without improvement', () => {
    const s = { type: 'reduceOnPlateau', monitor: 'valLoss', factor: 0.1, patience: 1, minDelta: 0, minLr: 0.0001 } as const;
    let p = initialPlateau(0.01);
    const lrs: number[] = [];
    for (const loss of [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0]) {
      p = afterEpoch(s, p, rec(loss));
      lrs.push(lrForEpoch(s, 0.01, 0, 10, p));
    }
    expect(lrs.map((x) => Number(x.toPrecision(3)))).toEqual([0.01, 0.01, 0.01, 0.001, 0.001, 0.0001, 0.0001, 0.0001]);
  });
});
