/** Per-class counting and the emptiness rules shared by archive and IDX ingest. */
import { CnnError } from '../errors.js';

export function countPerClass(labels: Iterable<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

/**
 * DATASET_EMPTY when nothing valid is left; DATASET_EMPTY_CLASS naming the
 * first class without a valid training image (a class the model cannot learn).
 */
export function checkClassesNotEmpty(
  classes: readonly string[],
  trainCounts: readonly number[],
  path = 'archive',
  /** Which classes must have a training image; default all. (A class only in test is a pre-flight finding instead.) */
  required: (classIndex: number) => boolean = () => true,
): void {
  if (trainCounts.every((c) => c === 0)) throw new CnnError('DATASET_EMPTY', 'no valid training image remains in the upload', path);
  const empty = classes.findIndex((_, i) => required(i) && (trainCounts[i] ?? 0) === 0);
  if (empty >= 0) {
    const name = classes[empty]!;
    throw new CnnError('DATASET_EMPTY_CLASS', `class '${name}' has no valid training image`, path, { class: name });
  }
}
