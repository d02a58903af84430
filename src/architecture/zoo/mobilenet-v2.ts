/**
 * MobileNetV2 (width 1.0) as torchvision builds it: inverted residual blocks
 * (1x1 expand, 3x3 depthwise, linear 1x1 project) with ReLU6, a residual add
 * where stride is 1 and the channels match.
 */
import { SMALL_INPUT_PX, SpecBuilder, TORCH_BN, smallerThan } from './builder.js';
import type { ZooModel } from './model.js';

/** [expand ratio t, output channels c, repeats n, first stride s], as in the paper's table 2. */
const SETTINGS: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];
const STEM_CHANNELS = 32;
const LAST_CHANNELS = 1280;

export const mobilenetV2: ZooModel = {
  description:
    'MobileNetV2 (width 1.0): 17 inverted residual blocks with ReLU6, 1x1 conv to 1280, global avg pool, ' +
    'dropout 0.2, classes. Inputs below 64 px use a stride-1 stem conv (same weights).',
  defaultInput: [224, 224, 3],
  defaultClasses: 1000,
  minInputPx: 1,
  build({ numClasses, inputShape }) {
    const b = new SpecBuilder();
    const stemStride = smallerThan(inputShape, SMALL_INPUT_PX) ? 1 : 2;
    b.convBn('features.0.0', 'features.0.1', { filters: STEM_CHANNELS, kernel: 3, stride: stemStride, padding: 1 }, TORCH_BN, 'relu6');
    let inChannels = STEM_CHANNELS;
    let index = 1;
    for (const [t, c, n, s] of SETTINGS) {
      for (let i = 0; i < n; i++) {
        invertedResidual(b, `features.${index}`, inChannels, c, i === 0 ? s : 1, t);
        inChannels = c;
        index += 1;
      }
    }
    b.convBn(`features.${index}.0`, `features.${index}.1`, { filters: LAST_CHANNELS, kernel: 1 }, TORCH_BN, 'relu6');
    b.layer('avgpool', { type: 'globalAvgPool2d' });
    b.dropout('classifier.0', 0.2);
    b.dense('classifier.1', numClasses, 'softmax');
    return b.build('mobilenet_v2', inputShape);
  },
};

function invertedResidual(b: SpecBuilder, name: string, inChannels: number, outChannels: number, stride: number, expandRatio: number): void {
  const x = b.last;
  const hidden = Math.round(inChannels * expandRatio);
  let k = 0; // position in the block's `conv` Sequential
  if (expandRatio !== 1) {
    b.convBn(`${name}.conv.0.0`, `${name}.conv.0.1`, { filters: hidden, kernel: 1 }, TORCH_BN, 'relu6');
    k = 1;
  }
  b.convBn(`${name}.conv.${k}.0`, `${name}.conv.${k}.1`, { filters: hidden, kernel: 3, stride, padding: 1, groups: hidden }, TORCH_BN, 'relu6');
  b.conv(`${name}.conv.${k + 1}`, { filters: outChannels, kernel: 1, bias: false });
  const out = b.batchNorm(`${name}.conv.${k + 2}`, TORCH_BN);
  if (stride === 1 && inChannels === outChannels) b.merge(`${name}.add`, 'add', [out, x]);
}
