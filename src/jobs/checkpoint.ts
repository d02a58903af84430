/**
 * Per-job checkpoints: weights, optimizer state and the loop's own state
 * (epochs done, history, early-stopping bookkeeping), written atomically at
 * each epoch end. `state.json` is written last, so a checkpoint is only ever
 * read when all its files are complete.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineModel } from '../engine/index.js';
import { removeDirAtomically, writeFileAtomic } from '../store/blobs.js';
import type { PlateauState } from './lr-schedule.js';
import type { EpochRecord } from '../store/job-schemas.js';

export interface CheckpointState {
  epochsDone: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestScore: number | null;
  /** Epochs since the best one (early stopping). */
  wait: number;
  stoppedEarlyAt?: number;
  /** Set when a stop request or the time budget ended training before its last epoch. */
  stopReason?: 'stopRequested' | 'maxDuration';
  /** The stage the last epoch belonged to, and the stages finished (fine-tune jobs run two). */
  stage?: string;
  stagesDone: string[];
  stageReports: { stage: string; epochs: number; params: { total: number; trainable: number; frozen: number; bnRunningStats: number } }[];
  /** reduceOnPlateau's bookkeeping. */
  plateau?: PlateauState;
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
    const previous = await this.readFiles();
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

  private async readFiles(): Promise<(CheckpointState & { weights: string; optimizer: string }) | undefined> {
    if (!existsSync(this.statePath)) return undefined;
    return JSON.parse(await readFile(this.statePath, 'utf8')) as CheckpointState & { weights: string; optimizer: string };
  }

  /** The loop state of the last checkpoint, or undefined when there is none. */
  async readState(): Promise<CheckpointState | undefined> {
    const s = await this.readFiles();
    if (!s) return undefined;
    const { weights: _w, optimizer: _o, ...state } = s;
    return { ...state, stagesDone: state.stagesDone ?? [], stageReports: state.stageReports ?? [] };
  }

  /** Loads the last checkpoint's weights (and optimizer state) into the model. */
  async restore(model: EngineModel, opts: { optimizer: boolean }): Promise<void> {
    const s = await this.readFiles();
    if (!s) throw new Error('no checkpoint to restore');
    await model.loadWeights(join(this.dir, s.weights));
    if (opts.optimizer) await model.loadOptimizer(join(this.dir, s.optimizer));
  }

  async remove(): Promise<void> {
    await removeDirAtomically(this.dir);
  }
}
