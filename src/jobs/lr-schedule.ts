/**
 * Learning-rate schedules, per epoch: pure functions of the schedule, the
 * base rate and what happened so far, so a resumed job computes the same
 * rate it would have without the interruption.
 */
import type { EpochRecord, LrSchedule } from '../store/job-schemas.js';

/** State reduceOnPlateau carries between epochs (kept in the checkpoint). */
export interface PlateauState {
  best: number | null;
  wait: number;
  lr: number;
}

export function initialPlateau(baseLr: number): PlateauState {
  return { best: null, wait: 0, lr: baseLr };
}

/**
 * The rate for epoch `e` (0-based within its stage of `epochs` epochs).
 * For reduceOnPlateau, `plateau` must already include the previous epoch (see `afterEpoch`).
 */
export function lrForEpoch(s: LrSchedule, baseLr: number, e: number, epochs: number, plateau?: PlateauState): number {
  switch (s.type) {
    case 'constant':
      return baseLr;
    case 'step':
      return baseLr * s.gamma ** Math.floor(e / s.stepSize);
    case 'cosine': {
      if (e < s.warmupEpochs) {
        // Linear from baseLr/10 to baseLr over the warm-up epochs.
        return baseLr * (0.1 + (0.9 * e) / s.warmupEpochs);
      }
      const span = Math.max(1, epochs - s.warmupEpochs);
      const t = (e - s.warmupEpochs) / span;
      return s.minLr + (baseLr - s.minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
    case 'reduceOnPlateau':
      return plateau?.lr ?? baseLr;
  }
}

/** Updates reduceOnPlateau's state with a finished epoch; other schedules keep no state. */
export function afterEpoch(s: LrSchedule, plateau: PlateauState, rec: EpochRecord): PlateauState {
  if (s.type !== 'reduceOnPlateau') return plateau;
  const score = s.monitor === 'valAccuracy' ? (rec.valAccuracy ?? rec.accuracy) : (rec.valLoss ?? rec.loss);
  const better = plateau.best === null || (s.monitor === 'valAccuracy' ? score > plateau.best + s.minDelta : score < plateau.best - s.minDelta);
  if (better) return { ...plateau, best: score, wait: 0 };
  const wait = plateau.wait + 1;
  if (wait > s.patience) return { best: plateau.best, wait: 0, lr: Math.max(s.minLr, plateau.lr * s.factor) };
  return { ...plateau, wait };
}
