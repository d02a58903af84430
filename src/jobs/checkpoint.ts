/**
 * Per-job checkpoints: weights, optimizer state and the loop's own state
 * (epochs done, history, early-stopping bookkeeping), written atomically at
 * each epoch end. `state.json` is written last, so a checkpoint is only ever
 * read when all its files are complete.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineModel } from '../engine/index.js';
import { writeFileAtomic } from '../store/blobs.js';
import type { EpochRecord } from './schemas.js';

export interface CheckpointState {
  epochsDone: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestScore: number | null;
  /** Epochs since the best one (early stopping). */
  wait: number;
  stoppedEarlyAt?: number;
}

export class Checkpoints {
  constructor(readonly dir: string) {}

  private get statePath(): string {
    return join(this.dir, 'state.json');
  }

  async save(model: EngineModel, state: CheckpointState): Promise<void> {
    // Weights and optimizer go to fresh names, then state.json names them: a crash mid-way leaves the old checkpoint intact.
    await mkdir(this.dir, { recursive: true });
    const tag = `${state.epochsDone}-${Date.now()}`;
    const weights = `weights-${tag}.safetensors`;
    const optimizer = `optimizer-${tag}.pt`;
    await model.saveWeights(join(this.dir, weights));
    await model.saveOptimizer(join(this.dir, optimizer));
    const previous = await this.readState();
    await writeFileAtomic(this.statePath, JSON.stringify({ ...state, weights, optimizer }));
    if (previous) {
      await rm(join(this.dir, previous.weights), { force: true });
      await rm(join(this.dir, previous.optimizer), { force: true });
    }
  }

  async saveBest(model: EngineModel): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await model.saveWeights(join(this.dir, 'best.safetensors'));
  }

  async restoreBest(model: EngineModel): Promise<void> {
    await model.loadWeights(join(this.dir, 'best.safetensors'));
  }

  private async readState(): Promise<(CheckpointState & { weights: string; optimizer: string }) | undefined> {
    if (!existsSync(this.statePath)) return undefined;
    return JSON.parse(await readFile(this.statePath, 'utf8')) as CheckpointState & { weights: string; optimizer: string };
  }

  /** Loads the last checkpoint into the model; undefined when there is none. */
  async restore(model: EngineModel): Promise<CheckpointState | undefined> {
    const s = await this.readState();
    if (!s) return undefined;
    await model.loadWeights(join(this.dir, s.weights));
    await model.loadOptimizer(join(this.dir, s.optimizer));
    const { weights: _w, optimizer: _o, ...state } = s;
    return state;
  }

  async remove(): Promise<void> {
    const doomed = `${this.dir}.done-${Date.now()}`;
    await rename(this.dir, doomed).catch(() => undefined);
    await rm(doomed, { recursive: true, force: true });
  }
}
