/**
 * EfficientNet-B0 as torchvision builds it: MBConv blocks (1x1 expand,
 * depthwise conv, squeeze-and-excitation, linear 1x1 project) with SiLU,
 * stochastic depth on the residual branch whose rate grows linearly from 0 to
 * 0.2 over the blocks. torchvision's B0 uses nn.BatchNorm2d's defaults
 * (eps 1e-5, momentum 0.1); only B5-B7 pass eps 1e-3 / momentum 0.01.
 */
import { SMALL_INPUT_PX, SpecBuilder, TORCH_BN, smallerThan } from './builder.js';
import type { ZooModel } from './model.js';

/** [expand ratio, kernel, first stride, in channels, out channels, blocks] (width and depth 1.0). */
const STAGES: ReadonlyArray<readonly [number, number, number, number, number, number]> = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];
const STOCHASTIC_DEPTH_RATE = 0.2;
const DROPOUT_RATE = 0.2;
const CHANNEL_DIVISOR = 8;

export const efficientnetB0: ZooModel = {
  description:
    'EfficientNet-B0: 16 MBConv blocks with SiLU, squeeze-and-excitation and stochastic depth (0 to 0.2), ' +
    '1x1 conv to 1280, global avg pool, dropout 0.2, classes. Inputs below 64 px use a stride-1 stem conv (same weights).',
  defaultInput: [224, 224, 3],
  defaultClasses: 1000,
  minInputPx: 1,
  build({ numClasses, inputShape }) {
    const b = new SpecBuilder();
    const stemStride = smallerThan(inputShape, SMALL_INPUT_PX) ? 1 : 2;
    const stemChannels = STAGES[0]![3];
    b.convBn('features.0.0', 'features.0.1', { filters: stemChannels, kernel: 3, stride: stemStride, padding: 1 }, TORCH_BN, 'silu');
    const totalBlocks = STAGES.reduce((n, stage) => n + stage[5], 0);
    let blockId = 0;
    STAGES.forEach(([expand, kernel, stride, inChannels, outChannels, blocks], stage) => {
      for (let i = 0; i < blocks; i++) {
        // Same expression and order as torchvision, so the rates are bit-identical.
        const dropPath = (STOCHASTIC_DEPTH_RATE * blockId) / totalBlocks;
        mbConv(b, `features.${stage + 1}.${i}`, {
          inChannels: i === 0 ? inChannels : outChannels,
          outChannels,
          kernel,
          stride: i === 0 ? stride : 1,
          expand,
          dropPath,
        });
        blockId += 1;
      }
    });
    const last = STAGES.length + 1;
    const lastIn = STAGES[STAGES.length - 1]![4];
    b.convBn(`features.${last}.0`, `features.${last}.1`, { filters: 4 * lastIn, kernel: 1 }, TORCH_BN, 'silu');
    b.layer('avgpool', { type: 'globalAvgPool2d' });
    b.dropout('classifier.0', DROPOUT_RATE);
    b.dense('classifier.1', numClasses, 'softmax');
    return b.build('efficientnet_b0', inputShape);
  },
};

interface MbConvArgs {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  expand: number;
  dropPath: number;
}

function mbConv(b: SpecBuilder, name: string, { inChannels, outChannels, kernel, stride, expand, dropPath }: MbConvArgs): void {
  const x = b.last;
  const expanded = makeDivisible(inChannels * expand, CHANNEL_DIVISOR);
  let k = 0; // position in the block's `block` Sequential
  if (expanded !== inChannels) {
    b.convBn(`${name}.block.0.0`, `${name}.block.0.1`, { filters: expanded, kernel: 1 }, TORCH_BN, 'silu');
    k = 1;
  }
  b.convBn(
    `${name}.block.${k}.0`,
    `${name}.block.${k}.1`,
    { filters: expanded, kernel, stride, padding: (kernel - 1) / 2, groups: expanded },
    TORCH_BN,
    'silu',
  );
  squeezeExcitation(b, `${name}.block.${k + 1}`, expanded, Math.max(1, Math.floor(inChannels / 4)));
  b.conv(`${name}.block.${k + 2}.0`, { filters: outChannels, kernel: 1, bias: false });
  const out = b.batchNorm(`${name}.block.${k + 2}.1`, TORCH_BN);
  if (stride === 1 && inChannels === outChannels) {
    b.layer(`${name}.stochastic_depth`, { type: 'dropPath', rate: dropPath }, out);
    b.merge(`${name}.add`, 'add', [`${name}.stochastic_depth`, x]);
  }
}

/** torchvision's SqueezeExcitation: avg pool to 1x1, fc1 (1x1 conv) + SiLU, fc2 + sigmoid, scale the input. */
function squeezeExcitation(b: SpecBuilder, name: string, channels: number, squeeze: number): void {
  const x = b.last;
  b.layer(`${name}.avgpool`, { type: 'adaptiveAvgPool2d', outputSize: 1 });
  b.conv(`${name}.fc1`, { filters: squeeze, kernel: 1, activation: 'silu' });
  const scale = b.conv(`${name}.fc2`, { filters: channels, kernel: 1, activation: 'sigmoid' });
  b.merge(`${name}.scale`, 'multiply', [scale, x]);
}

/** torchvision's _make_divisible: round to a multiple of `divisor`, never more than 10% down. */
function makeDivisible(value: number, divisor: number): number {
  let rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}
