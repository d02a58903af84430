/**
 * The train processor: packed data in, epochs with validation, early
 * stopping and a checkpoint after each epoch, a model artifact and metrics
 * out. A retried job (its worker died or handed it back) resumes from the
 * last checkpoint instead of starting over.
 */
import { performance } from 'node:perf_hooks';
import { isCnnError } from '../errors.js';
import { compileNested } from '../service/architectures.js';
import { getDataset } from '../service/datasets.js';
import { Checkpoints, type CheckpointState } from './checkpoint.js';
import { evaluateMetrics, loadTrainingData, saveModelArtifact, splitIndices } from './common.js';
import { Cancelled, HandBack, type JobRun } from './runner.js';
import type { EpochRecord, TrainJob } from './schemas.js';
import { createEngineModel, type EngineModel } from '../engine/index.js';

/** Progress goes to Redis at most this often during an epoch (and always at epoch end). */
const PROGRESS_INTERVAL_MS = 2_000;

export async function runTrain(run: JobRun): Promise<Record<string, unknown>> {
  const { ctx, job } = run;
  const req = job.request as TrainJob;
  const opts = req.training;
  const tStart = performance.now();

  const dataset = await getDataset(ctx, job.tenant, req.datasetId, 'datasetId');
  const compiled = compileNested(ctx, req.model.spec, 'model.spec');
  await run.progress({ stage: 'preparing data', fraction: 0 });
  const data = await loadTrainingData(ctx, dataset, compiled.summary.inputShape as [number, number, number], opts.resize);
  const splits = splitIndices(data.meta, opts.validationSplit, opts.seed);

  const model = await createEngineModel(compiled.graph, { device: opts.device === 'auto' ? run.device : opts.device, seed: opts.seed });
  run.onStop(() => model.cancel());
  try {
    const engineData = await model.dataset(data.images, data.labels, data.shape, dataset.classes.length);
    const lr = opts.optimizer.learningRate ?? (opts.optimizer.type === 'adam' ? 1e-3 : 1e-2);
    model.configureOptimizer({ type: opts.optimizer.type, learningRate: lr, momentum: opts.optimizer.momentum, weightDecay: opts.optimizer.weightDecay });
    const tData = performance.now();

    const checkpoints = new Checkpoints(ctx.blobs.checkpointDir(job.id));
    let state: CheckpointState = { epochsDone: 0, history: [], bestEpoch: 0, bestScore: null, wait: 0 };
    const resumed = await checkpoints.restore(model);
    const resumedFrom = resumed?.epochsDone;
    if (resumed) {
      state = resumed;
      await run.progress({ stage: 'resumed', epoch: state.epochsDone, epochs: opts.epochs, fraction: state.epochsDone / opts.epochs }, { resumedFromEpoch: state.epochsDone, history: state.history });
    }
    const preprocessing = data.preprocessing;
    const es = opts.earlyStopping;
    let lastProgressAt = 0;

    for (let epoch = state.epochsDone + 1; epoch <= opts.epochs; epoch++) {
      if (run.stop.reason) break;
      const t0 = performance.now();
      let result;
      try {
        result = await model.trainEpoch(
          engineData,
          {
            batchSize: opts.batchSize,
            shuffle: true,
            // One seed per epoch: a resumed run shuffles an epoch as the first run would have.
            seed: opts.seed * 1000 + epoch,
            mean: preprocessing.mean,
            std: preprocessing.std,
            indices: splits.train,
            ...(opts.augmentation ? { augment: opts.augmentation } : {}),
            progressIntervalMs: 500,
          },
          (p) => {
            const now = Date.now();
            if (now - lastProgressAt < PROGRESS_INTERVAL_MS) return;
            lastProgressAt = now;
            void run
              .progress({
                stage: 'training',
                epoch,
                epochs: opts.epochs,
                step: p.step,
                steps: p.steps,
                loss: p.loss,
                accuracy: p.accuracy,
                imagesPerSec: p.imagesPerSec,
                fraction: (epoch - 1 + p.step / Math.max(1, p.steps)) / opts.epochs,
              })
              .catch(() => undefined);
          },
        );
      } catch (err) {
        if (isCnnError(err) && err.code === 'ENGINE_CANCELLED') break;
        throw err;
      }
      const val = splits.validation.length > 0 ? await model.evaluate(engineData, { batchSize: Math.max(opts.batchSize, 256), mean: preprocessing.mean, std: preprocessing.std, indices: splits.validation }) : undefined;
      const seconds = (performance.now() - t0) / 1000;
      const rec: EpochRecord = {
        epoch,
        loss: result.loss,
        accuracy: result.accuracy,
        ...(val ? { valLoss: val.loss, valAccuracy: val.accuracy } : {}),
        lr: model.learningRate,
        seconds,
        imagesPerSec: result.images / result.seconds,
        ...(resumedFrom !== undefined && epoch === resumedFrom + 1 ? { resumed: true } : {}),
      };
      state.history.push(rec);
      state.epochsDone = epoch;

      let stopEarly = false;
      if (es) {
        const score = es.monitor === 'valAccuracy' ? (rec.valAccuracy ?? rec.accuracy) : (rec.valLoss ?? rec.loss);
        const better = state.bestScore === null || (es.monitor === 'valAccuracy' ? score > state.bestScore + es.minDelta : score < state.bestScore - es.minDelta);
        if (better) {
          state.bestScore = score;
          state.bestEpoch = epoch;
          state.wait = 0;
          if (es.restoreBestWeights) await checkpoints.saveBest(model);
        } else {
          state.wait++;
          stopEarly = state.wait > es.patience;
        }
      }
      await checkpoints.save(model, state);
      await run.progress({ stage: 'epoch done', epoch, epochs: opts.epochs, loss: rec.loss, accuracy: rec.accuracy, imagesPerSec: rec.imagesPerSec, fraction: epoch / opts.epochs }, { history: state.history });
      if (stopEarly) {
        state.stoppedEarlyAt = epoch;
        break;
      }
    }

    if (run.stop.reason === 'cancel') throw new Cancelled();
    if (run.stop.reason === 'shutdown') {
      // The interrupted epoch reruns from its start with the weights reached so far.
      await checkpoints.save(model, state);
      throw new HandBack();
    }
    const tTrain = performance.now();

    let restoredBestEpoch: number | undefined;
    if (es?.restoreBestWeights && state.bestEpoch > 0 && state.bestEpoch !== state.epochsDone) {
      await checkpoints.restoreBest(model);
      restoredBestEpoch = state.bestEpoch;
    }
    await run.progress({ stage: 'evaluating', epoch: state.epochsDone, epochs: opts.epochs, fraction: 0.99 });
    const evalSplit = splits.test.length > 0 ? 'test' : splits.validation.length > 0 ? 'validation' : 'train';
    const evalIdx = evalSplit === 'test' ? splits.test : evalSplit === 'validation' ? splits.validation : splits.train;
    const metrics = await evaluateMetrics(model, engineData, evalIdx, dataset.classes, preprocessing, Math.max(opts.batchSize, 256));
    const tEval = performance.now();

    const counts = model.paramCounts();
    const params = { total: counts.total, trainable: counts.trainable, frozen: counts.frozen, bnRunningStats: counts.buffers };
    const modelRec = await saveModelArtifact(ctx, model, {
      jobId: job.id,
      tenant: job.tenant,
      datasetId: dataset.id,
      spec: compiled.spec,
      classes: dataset.classes,
      preprocessing,
      params,
      metrics,
      history: state.history,
    });
    await checkpoints.remove();
    const round = (ms: number) => Math.round(ms) / 1000;
    return {
      modelId: modelRec.id,
      metrics,
      evaluatedOn: evalSplit,
      params,
      device: model.device,
      epochsRun: state.epochsDone,
      ...(state.stoppedEarlyAt ? { stoppedEarlyAt: state.stoppedEarlyAt } : {}),
      ...(restoredBestEpoch ? { restoredBestEpoch } : {}),
      ...(resumedFrom !== undefined ? { resumedFromEpoch: resumedFrom } : {}),
      history: state.history,
      durations: { dataSeconds: round(tData - tStart), trainSeconds: round(tTrain - tData), evalSeconds: round(tEval - tTrain), totalSeconds: round(performance.now() - tStart) },
    };
  } finally {
    model.dispose();
  }
}

export type { EngineModel };
