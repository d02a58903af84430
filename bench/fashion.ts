// npm run bench:fashion [-- --model design-cnn|resnet18 --epochs 15 --device auto --no-augment]
//
// Full Fashion-MNIST (60,000 train / 10,000 test): the tutorial's design-guide
// CNN (conv blocks with batch norm, dropout; examples/design-guide-cnn.json)
// or resnet18 from the zoo (28x28x1 stem), with augmentation, a cosine
// schedule and label smoothing. Prints test accuracy, time and images/s, and
// the ratio to the Fashion-MNIST benchmark table's figure for such a model
// (0.916-0.934 for 2-conv nets, 0.949 for resnet18). A benchmark, not a test.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createEngineModel, engineInfo, setEngineThreads } from '../src/engine/index.js';
import { lrForEpoch } from '../src/jobs/lr-schedule.js';
import { compileSpec } from '../src/architecture/index.js';
import { loadFashion } from '../test/helpers/fashion.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'design-cnn' },
    epochs: { type: 'string', default: '15' },
    batch: { type: 'string', default: '128' },
    lr: { type: 'string', default: '0.002' },
    device: { type: 'string', default: 'auto' },
    threads: { type: 'string', default: '0' },
    'no-augment': { type: 'boolean', default: false },
  },
});
const EPOCHS = Number(args.epochs);
const BATCH = Number(args.batch);
const LR = Number(args.lr);
/** The Fashion-MNIST benchmark table's accuracy for a comparable model, and the target here. */
const TABLE: Record<string, { reference: number; target: number; spec: unknown }> = {
  'design-cnn': { reference: 0.934, target: 0.92, spec: JSON.parse(readFileSync(new URL('../examples/design-guide-cnn.json', import.meta.url), 'utf8')) },
  resnet18: { reference: 0.949, target: 0.94, spec: { zoo: 'resnet18', numClasses: 10, inputShape: [28, 28, 1] } },
};

const entry = TABLE[args.model!];
if (!entry) throw new Error(`--model must be one of ${Object.keys(TABLE).join(', ')}`);
if (Number(args.threads) > 0) setEngineThreads(Number(args.threads));
const { graph, summary } = compileSpec(entry.spec);
const train = loadFashion('train');
const test = loadFashion('test');
const model = await createEngineModel(graph, { device: args.device as 'auto', seed: 1 });
console.log(`${args.model}: ${summary.totals.totalParams.toLocaleString('en')} parameters, device ${model.device}, libtorch ${engineInfo().torchVersion}, ${EPOCHS} epochs, batch ${BATCH}`);
const trainDs = await model.dataset(train.images, train.labels, { n: train.n, h: 28, w: 28, c: 1 }, 10);
const testDs = await model.dataset(test.images, test.labels, { n: test.n, h: 28, w: 28, c: 1 }, 10);
model.configureOptimizer({ type: 'adamw', learningRate: LR, weightDecay: 0.05 });
const schedule = { type: 'cosine', warmupEpochs: 1, minLr: LR / 100 } as const;
// Fashion-MNIST items are upright; small shifts, zoom and mirroring are the augmentations that help.
const augment = args['no-augment'] ? undefined : { widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: true, rotationRange: 5, fillMode: 'constant' as const };

const t0 = performance.now();
let images = 0;
let best = 0;
for (let e = 0; e < EPOCHS; e++) {
  model.setLearningRate(lrForEpoch(schedule, LR, e, EPOCHS));
  const r = await model.trainEpoch(trainDs, { batchSize: BATCH, seed: 100 + e, labelSmoothing: 0.1, ...(augment ? { augment } : {}) });
  images += r.images;
  const ev = await model.evaluate(testDs, { batchSize: 1000 });
  best = Math.max(best, ev.accuracy);
  console.log(`epoch ${e + 1}: loss ${r.loss.toFixed(4)}, train acc ${r.accuracy.toFixed(4)}, test acc ${ev.accuracy.toFixed(4)}, ${(r.images / r.seconds).toFixed(0)} images/s`);
}
const seconds = (performance.now() - t0) / 1000;
const final = await model.evaluate(testDs, { batchSize: 1000 });
console.log(`test accuracy ${final.accuracy.toFixed(4)} (best epoch ${best.toFixed(4)}); target ${entry.target}; ${final.accuracy >= entry.target ? 'met' : 'NOT met'}`);
console.log(`benchmark table figure ${entry.reference}: ratio ${(final.accuracy / entry.reference).toFixed(3)}`);
console.log(`time ${seconds.toFixed(1)} s, ${(images / seconds).toFixed(0)} training images/s on ${model.device}`);
model.dispose();
