/**
 * VGG-16 (configuration D), with and without batch norm, as torchvision
 * builds it: `features` is one Sequential, so conv indices count the ReLUs,
 * BNs and pools between them.
 */
import { SpecBuilder, TORCH_BN } from './builder.js';
import type { ZooBuildOptions, ZooModel } from './model.js';

const POOL = 'M';
const VGG16_LAYOUT: ReadonlyArray<number | typeof POOL> = [
  64, 64, POOL, 128, 128, POOL, 256, 256, 256, POOL, 512, 512, 512, POOL, 512, 512, 512, POOL,
];

const SMALL_NOTE = 'A 2x2 max pool whose input is already below 2 px is left out (inputs below 32 px).';

export const vgg16: ZooModel = {
  description: `VGG-16: 13 3x3 convs with ReLU in 5 blocks, adaptive avg pool to 7x7, dense 4096 + dropout 0.5 twice, classes. ${SMALL_NOTE}`,
  defaultInput: [224, 224, 3],
  defaultClasses: 1000,
  minInputPx: 1,
  build: (opts) => buildVgg('vgg16', false, opts),
};

export const vgg16Bn: ZooModel = {
  description: `VGG-16 with batch norm after every conv (conv bias kept, as in torchvision). ${SMALL_NOTE}`,
  defaultInput: [224, 224, 3],
  defaultClasses: 1000,
  minInputPx: 1,
  build: (opts) => buildVgg('vgg16_bn', true, opts),
};

function buildVgg(name: string, batchNorm: boolean, { numClasses, inputShape }: ZooBuildOptions) {
  const b = new SpecBuilder();
  let [h, w] = inputShape;
  let index = 0; // position in torchvision's `features` Sequential
  for (const item of VGG16_LAYOUT) {
    if (item === POOL) {
      // torchvision's index is kept even when the pool is left out, so later names still match.
      if (Math.min(h, w) >= 2) {
        b.maxPool(`features.${index}`, 2, 2);
        h = Math.floor(h / 2);
        w = Math.floor(w / 2);
      }
      index += 1;
    } else if (batchNorm) {
      b.conv(`features.${index}`, { filters: item, kernel: 3, padding: 1 });
      b.batchNorm(`features.${index + 1}`, TORCH_BN, 'relu');
      index += 3;
    } else {
      b.conv(`features.${index}`, { filters: item, kernel: 3, padding: 1, activation: 'relu' });
      index += 2;
    }
  }
  b.layer('avgpool', { type: 'adaptiveAvgPool2d', outputSize: 7 });
  b.layer('flatten', { type: 'flatten' });
  b.dense('classifier.0', 4096, 'relu');
  b.dropout('classifier.2', 0.5);
  b.dense('classifier.3', 4096, 'relu');
  b.dropout('classifier.5', 0.5);
  b.dense('classifier.6', numClasses, 'softmax');
  return b.build(name, inputShape);
}
