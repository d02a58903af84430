/**
 * The training loop train and finetune jobs share: one or more stages of
 * epochs, each with validation, a learning-rate schedule, early stopping and
 * a checkpoint after every epoch; then the final evaluation and the model
 * artifact. A stage is a model (its trainable layers and optimizer groups)
 * trained for a range of the job's epochs; a resumed job skips the stages and
 * epochs its checkpoint already holds.
 */
import { performance } from 'node:perf_hooks';
import { isCnnError } from '../errors.js';
import { createEngineModel, type EngineDataset, type EngineModel, type NormalizedGraph } from '../engine/index.js';
import type { DatasetRecord } from '../store/datasets.js';
import { saveModelArtifact, type ParamCounts, type ParityCheck, type Preprocessing } from '../store/models.js';
import { Checkpoints, type CheckpointState } from './checkpoint.js';
import { evaluateMetrics, storeSamplePredictions, type SplitIndices, type TrainingData } from './common.js';
import { afterEpoch, initialPlateau, lrForEpoch } from './lr-schedule.js';
import { checkParity } from './parity.js';
import { Cancelled, HandBack, type JobRun } from './runner.js';
import type { EpochRecord, EvalMetrics, TrainingOptions } from '../store/job-schemas.js';

/** Progress goes to Redis at most this often during an epoch (and always at epoch end). */
const PROGRESS_INTERVAL_MS = 2_000;

export interface Stage {
  /** 'train', 'featureExtraction' or 'fineTune'. */
  name: string;
  graph: NormalizedGraph;
  epochs: number;
  /** Learning rate of the default group (the head, or every layer). */
  learningRate: number;
  /** Layers that learn at another rate (a fine-tuned base). */
  groups?: { layers: string[]; learningRate: number }[];
}

export interface StageReport {
  stage: string;
  epochs: number;
  params: ParamCounts;
}

export interface FitResult {
  model: EngineModel;
  state: CheckpointState;
  stages: StageReport[];
  resumedFromEpoch?: number;
  restoredBestEpoch?: number;
  seconds: { train: number };
}

function defaultLr(o: TrainingOptions): number {
  return o.optimizer.learningRate ?? (o.optimizer.type === 'sgd' ? 1e-2 : 1e-3);
}
export { defaultLr };

function paramReport(model: EngineModel): ParamCounts {
  const c = model.paramCounts();
  return { total: c.total, trainable: c.trainable, frozen: c.frozen, bnRunningStats: c.buffers };
}

/** 'balanced' weights: n / (k · count_c) over the training rows, as scikit-learn's. */
export function balancedClassWeights(labels: Int32Array, rows: Int32Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const i of rows) counts[labels[i]!]!++;
  return counts.map((c) => (c > 0 ? rows.length / (k * c) : 0));
}

export class Fitter {
  readonly checkpoints: Checkpoints;
  private model: EngineModel | undefined;
  private engineData: EngineDataset | undefined;

  constructor(
    private readonly run: JobRun,
    private readonly opts: TrainingOptions,
    private readonly data: TrainingData,
    private readonly splits: SplitIndices,
    private readonly numClasses: number,
  ) {
    this.checkpoints = new Checkpoints(run.ctx.blobs.checkpointDir(run.job.id));
  }

  private device(): string {
    return this.opts.device === 'auto' ? this.run.device : this.opts.device;
  }

  private async buildModel(stage: Stage): Promise<EngineModel> {
    this.model?.dispose();
    this.model = undefined;
    const o = this.opts;
    const model = await createEngineModel(stage.graph, {
      device: this.device() as 'auto' | 'cpu' | 'cuda',
      seed: o.seed,
      precision: o.precision,
      ...(o.channelsLast !== undefined ? { channelsLast: o.channelsLast } : {}),
      deterministic: o.deterministic,
    });
    this.model = model;
    this.run.onStop(() => model.cancel());
    this.engineData = await model.dataset(this.data.images, this.data.labels, this.data.shape, this.numClasses);
    model.configureOptimizer({
      type: o.optimizer.type,
      learningRate: stage.learningRate,
      momentum: o.optimizer.momentum,
      nesterov: o.optimizer.nesterov,
      weightDecay: o.optimizer.weightDecay,
      ...(stage.groups ? { groups: stage.groups } : {}),
    });
    return model;
  }

  /**
   * Runs the stages in order. `initWeights` loads the starting weights into the
   * first stage's model (a base model, for fine-tuning) when no checkpoint exists.
   */
  async fit(stages: Stage[], initWeights?: (m: EngineModel) => Promise<void>): Promise<FitResult> {
    const o = this.opts;
    const totalEpochs = stages.reduce((a, s) => a + s.epochs, 0);
    const saved = await this.checkpoints.readState();
    const state: CheckpointState = saved ?? { epochsDone: 0, history: [], bestEpoch: 0, bestScore: null, wait: 0, stagesDone: [], stageReports: [] };
    const resumedFrom = saved?.epochsDone;
    if (saved) {
      await this.run.progress(
        { stage: 'resumed', epoch: state.epochsDone, epochs: totalEpochs, fraction: state.epochsDone / totalEpochs },
        { resumedFromEpoch: state.epochsDone, history: state.history },
      );
    }
    const reports: StageReport[] = [];
    const tTrain = performance.now();
    let stageStart = 0;
    for (const [i, stage] of stages.entries()) {
      const stageEnd = stageStart + stage.epochs;
      const done = state.stagesDone.includes(stage.name);
      const isLast = i === stages.length - 1;
      // A finished stage before the last needs no model; its parameter report was kept.
      if (done && !isLast) {
        const kept = state.stageReports.find((r) => r.stage === stage.name);
        if (kept) reports.push(kept);
        stageStart = stageEnd;
        continue;
      }
      const model = await this.buildModel(stage);
      const report = { stage: stage.name, epochs: stage.epochs, params: paramReport(model) };
      reports.push(report);
      if (state.epochsDone > 0) {
        // Continue from the checkpoint; its optimizer state belongs to this stage only if the checkpoint was taken inside it.
        await this.checkpoints.restore(model, { optimizer: state.stage === stage.name && !done });
      } else if (initWeights) {
        await initWeights(model);
      }
      if (!done) {
        if (state.stage !== stage.name) {
          // Early stopping and plateaus are tracked per stage.
          state.bestScore = null;
          state.bestEpoch = 0;
          state.wait = 0;
          delete state.stoppedEarlyAt;
          delete state.plateau;
        }
        await this.stageEpochs(model, stage, stageStart, stageEnd, totalEpochs, state, resumedFrom);
        if (this.run.stop.reason || state.stopReason) break;
        state.stagesDone.push(stage.name);
        state.stageReports.push(report);
        await this.checkpoints.save(model, state);
      }
      stageStart = stageEnd;
    }
    const model = this.model!;
    if (this.run.stop.reason === 'cancel') throw new Cancelled();
    if (this.run.stop.reason === 'shutdown') {
      // The interrupted epoch reruns from its start with the weights reached so far.
      await this.checkpoints.save(model, state);
      throw new HandBack();
    }
    let restoredBestEpoch: number | undefined;
    // Stopped by a request or the budget: the best epoch so far by validation loss (tracked when there is no early stopping).
    const restoreBest = o.earlyStopping ? o.earlyStopping.restoreBestWeights : state.stopReason !== undefined;
    if (restoreBest && state.bestEpoch > 0 && state.bestEpoch !== state.epochsDone) {
      await this.checkpoints.restoreBest(model);
      restoredBestEpoch = state.bestEpoch;
    }
    return {
      model,
      state,
      stages: reports,
      ...(resumedFrom !== undefined ? { resumedFromEpoch: resumedFrom } : {}),
      ...(restoredBestEpoch !== undefined ? { restoredBestEpoch } : {}),
      seconds: { train: (performance.now() - tTrain) / 1000 },
    };
  }

  /** Epochs stageStart+1..stageEnd of the job. Returns true when early stopping ended training. */
  private async stageEpochs(
    model: EngineModel,
    stage: Stage,
    stageStart: number,
    stageEnd: number,
    totalEpochs: number,
    state: CheckpointState,
    resumedFrom: number | undefined,
  ): Promise<boolean> {
    const o = this.opts;
    const pre = this.data.preprocessing;
    const es = o.earlyStopping;
    const classWeights =
      o.classWeights === 'balanced' ? balancedClassWeights(this.data.labels, this.splits.train, this.numClasses) : o.classWeights;
    let plateau = state.plateau && state.stage === stage.name ? state.plateau : initialPlateau(stage.learningRate);
    if (state.stage === stage.name && state.stoppedEarlyAt !== undefined) return true;
    if (state.stopReason) return true;
    let lastProgressAt = 0;
    for (let epoch = Math.max(state.epochsDone, stageStart) + 1; epoch <= stageEnd; epoch++) {
      state.stage = stage.name;
      if (this.run.stop.reason) return false;
      const finishEarly = this.finishEarlyReason(state);
      if (finishEarly) {
        state.stopReason = finishEarly;
        return true;
      }
      const lr = lrForEpoch(o.lrSchedule, stage.learningRate, epoch - stageStart - 1, stage.epochs, plateau);
      model.setLearningRate(lr);
      const t0 = performance.now();
      let result;
      try {
        result = await model.trainEpoch(
          this.engineData!,
          {
            batchSize: o.batchSize,
            shuffle: true,
            // One seed per epoch: a resumed run shuffles an epoch as the first run would have.
            seed: o.seed * 1000 + epoch,
            mean: pre.mean,
            std: pre.std,
            indices: this.splits.train,
            labelSmoothing: o.labelSmoothing,
            ...(classWeights ? { classWeights } : {}),
            ...(o.gradientClipNorm ? { gradClipNorm: o.gradientClipNorm } : {}),
            ...(o.augmentation ? { augment: o.augmentation } : {}),
            progressIntervalMs: 500,
          },
          (p) => {
            const now = Date.now();
            if (now - lastProgressAt < PROGRESS_INTERVAL_MS) return;
            lastProgressAt = now;
            void this.run
              .progress({
                stage: stage.name === 'train' ? 'training' : `training: ${stage.name}`,
                epoch,
                epochs: totalEpochs,
                step: p.step,
                steps: p.steps,
                loss: p.loss,
                accuracy: p.accuracy,
                imagesPerSec: p.imagesPerSec,
                fraction: (epoch - 1 + p.step / Math.max(1, p.steps)) / totalEpochs,
              })
              .catch(() => undefined);
          },
        );
      } catch (err) {
        if (isCnnError(err) && err.code === 'ENGINE_CANCELLED') return false;
        throw err;
      }
      const val =
        this.splits.validation.length > 0
          ? await model.evaluate(this.engineData!, { batchSize: Math.max(o.batchSize, 256), mean: pre.mean, std: pre.std, indices: this.splits.validation })
          : undefined;
      const rec: EpochRecord = {
        epoch,
        ...(stage.name !== 'train' ? { stage: stage.name } : {}),
        loss: result.loss,
        accuracy: result.accuracy,
        ...(val ? { valLoss: val.loss, valAccuracy: val.accuracy } : {}),
        lr,
        seconds: (performance.now() - t0) / 1000,
        imagesPerSec: result.images / result.seconds,
        ...(resumedFrom !== undefined && epoch === resumedFrom + 1 ? { resumed: true } : {}),
      };
      state.history.push(rec);
      state.epochsDone = epoch;
      plateau = afterEpoch(o.lrSchedule, plateau, rec);
      state.plateau = plateau;

      let stopEarly = false;
      if (es) {
        const score = es.monitor === 'valAccuracy' ? (rec.valAccuracy ?? rec.accuracy) : (rec.valLoss ?? rec.loss);
        const better =
          state.bestScore === null || (es.monitor === 'valAccuracy' ? score > state.bestScore + es.minDelta : score < state.bestScore - es.minDelta);
        if (better) {
          state.bestScore = score;
          state.bestEpoch = epoch;
          state.wait = 0;
          if (es.restoreBestWeights) await this.checkpoints.saveBest(model);
        } else {
          state.wait++;
          stopEarly = state.wait > es.patience;
        }
      } else if (rec.valLoss !== undefined && (state.bestScore === null || rec.valLoss < state.bestScore)) {
        // Without early stopping the best epoch is still kept, for a job stopped by a request or its time budget.
        state.bestScore = rec.valLoss;
        state.bestEpoch = epoch;
        await this.checkpoints.saveBest(model);
      }
      if (stopEarly) state.stoppedEarlyAt = epoch;
      await this.checkpoints.save(model, state);
      await this.run.progress(
        { stage: 'epoch done', epoch, epochs: totalEpochs, loss: rec.loss, accuracy: rec.accuracy, imagesPerSec: rec.imagesPerSec, fraction: epoch / totalEpochs },
        { history: state.history },
      );
      if (stopEarly) return true;
    }
    return state.stoppedEarlyAt !== undefined;
  }

  /**
   * Why training should end before the next epoch, if it should: a stop
   * request, or a time budget that is spent or that the next epoch (as long as
   * the mean so far) would overrun. Never before the first epoch: a model needs one.
   */
  private finishEarlyReason(state: CheckpointState): CheckpointState['stopReason'] {
    if (state.epochsDone === 0 || state.history.length === 0) return undefined;
    if (this.run.finishEarly.requested) return 'stopRequested';
    const budget = this.opts.maxDurationSeconds;
    if (budget === undefined) return undefined;
    const spent = state.history.reduce((a, h) => a + h.seconds, 0);
    return spent >= budget || spent + spent / state.history.length > budget ? 'maxDuration' : undefined;
  }

  /** Final evaluation, the model artifact and the catalog record; then the checkpoints go. */
  async finish(
    fit: FitResult,
    m: { dataset: DatasetRecord; classes: string[]; spec: unknown; preprocessing: Preprocessing; baseModelId?: string },
    tStart: number,
  ): Promise<Record<string, unknown>> {
    const { ctx, job } = this.run;
    const o = this.opts;
    await this.run.progress({ stage: 'evaluating', epoch: fit.state.epochsDone, fraction: 0.99 });
    const tEval = performance.now();
    // Trained in bf16 or not, the reported metrics are what the fp32 weights compute: what predict and an export serve.
    const trainedPrecision = fit.model.precision;
    fit.model.setPrecision('fp32');
    const evalSplit = this.splits.test.length > 0 ? 'test' : this.splits.validation.length > 0 ? 'validation' : 'train';
    const idx = evalSplit === 'test' ? this.splits.test : evalSplit === 'validation' ? this.splits.validation : this.splits.train;
    const metrics: EvalMetrics = await evaluateMetrics(fit.model, this.engineData!, idx, m.classes, m.preprocessing, Math.max(o.batchSize, 256));
    // Per test image: true class, predicted class, top-5 (the dashboard's misclassified images).
    await storeSamplePredictions(ctx, job.id, fit.model, this.data, idx, this.numClasses, Math.max(o.batchSize, 256));
    const evalSeconds = (performance.now() - tEval) / 1000;
    const params = paramReport(fit.model);
    let parity: ParityCheck | undefined;
    const modelRec = await saveModelArtifact(ctx, fit.model, {
      jobId: job.id,
      source: m.baseModelId ? 'finetune' : 'train',
      tenant: job.tenant,
      datasetId: m.dataset.id,
      spec: m.spec,
      classes: m.classes,
      preprocessing: m.preprocessing,
      params,
      metrics,
      history: fit.state.history,
    }, async (dir) => {
      parity = await checkParity(dir, {
        trained: fit.model,
        scored: metrics,
        split: evalSplit,
        indices: idx,
        data: this.data,
        numClasses: this.numClasses,
        preprocessing: m.preprocessing,
        batchSize: Math.max(o.batchSize, 256),
      });
      return { parity };
    });
    await this.checkpoints.remove();
    const round = (s: number) => Math.round(s * 1000) / 1000;
    return {
      modelId: modelRec.id,
      metrics,
      evaluatedOn: evalSplit,
      parity,
      params,
      stages: fit.stages,
      device: fit.model.device,
      precision: trainedPrecision,
      evaluationPrecision: 'fp32',
      channelsLast: fit.model.channelsLast,
      epochsRun: fit.state.epochsDone,
      ...(m.baseModelId ? { baseModelId: m.baseModelId } : {}),
      ...(fit.state.stopReason ? { stoppedEarly: true, stopReason: fit.state.stopReason } : {}),
      ...(fit.state.stoppedEarlyAt ? { stoppedEarlyAt: fit.state.stoppedEarlyAt, ...(fit.state.stopReason ? {} : { stoppedEarly: true, stopReason: 'earlyStopping' }) } : {}),
      ...(fit.restoredBestEpoch ? { restoredBestEpoch: fit.restoredBestEpoch } : {}),
      ...(fit.resumedFromEpoch !== undefined ? { resumedFromEpoch: fit.resumedFromEpoch } : {}),
      history: fit.state.history,
      durations: {
        trainSeconds: round(fit.seconds.train),
        evalSeconds: round(evalSeconds),
        totalSeconds: round((performance.now() - tStart) / 1000),
      },
    };
  }

  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}
