/**
 * ResNet-18/34 (basic blocks) and ResNet-50 (bottlenecks, stride on the 3x3
 * conv: "v1.5"), as torchvision builds them.
 */
import { SMALL_INPUT_PX, SpecBuilder, TORCH_BN, smallerThan } from './builder.js';
import type { ZooBuildOptions, ZooModel } from './model.js';

type BlockKind = 'basic' | 'bottleneck';

const STAGE_PLANES = [64, 128, 256, 512] as const;
const BOTTLENECK_EXPANSION = 4;

const SMALL_NOTE = 'Inputs below 64 px use a 3x3 stride-1 conv1 and no max pool (CIFAR-style stem).';

function resnet(name: string, kind: BlockKind, blocks: readonly [number, number, number, number], title: string): ZooModel {
  return {
    description: `${title}: ${kind === 'basic' ? 'basic' : 'bottleneck'} residual blocks ${blocks.join('-')}, global avg pool, classes. ${SMALL_NOTE}`,
    defaultInput: [224, 224, 3],
    defaultClasses: 1000,
    minInputPx: 1,
    build: (opts) => buildResnet(name, kind, blocks, opts),
  };
}

export const resnet18 = resnet('resnet18', 'basic', [2, 2, 2, 2], 'ResNet-18');
export const resnet34 = resnet('resnet34', 'basic', [3, 4, 6, 3], 'ResNet-34');
export const resnet50 = resnet('resnet50', 'bottleneck', [3, 4, 6, 3], 'ResNet-50 (v1.5)');

function buildResnet(name: string, kind: BlockKind, blocks: readonly number[], { numClasses, inputShape }: ZooBuildOptions) {
  const b = new SpecBuilder();
  const small = smallerThan(inputShape, SMALL_INPUT_PX);
  b.conv('conv1', small ? { filters: 64, kernel: 3, padding: 1, bias: false } : { filters: 64, kernel: 7, stride: 2, padding: 3, bias: false });
  b.batchNorm('bn1', TORCH_BN, 'relu');
  if (!small) b.maxPool('maxpool', 3, 2, 1);
  let inChannels = 64;
  blocks.forEach((count, stage) => {
    const planes = STAGE_PLANES[stage]!;
    for (let i = 0; i < count; i++) {
      const prefix = `layer${stage + 1}.${i}`;
      const stride = i === 0 && stage > 0 ? 2 : 1;
      inChannels = kind === 'basic' ? basicBlock(b, prefix, inChannels, planes, stride) : bottleneck(b, prefix, inChannels, planes, stride);
    }
  });
  b.layer('avgpool', { type: 'globalAvgPool2d' });
  b.dense('fc', numClasses, 'softmax');
  return b.build(name, inputShape);
}

/** conv3x3-bn-relu, conv3x3-bn, + shortcut, relu; returns the output channels. */
function basicBlock(b: SpecBuilder, prefix: string, inChannels: number, planes: number, stride: number): number {
  const x = b.last;
  b.conv(`${prefix}.conv1`, { filters: planes, kernel: 3, stride, padding: 1, bias: false });
  b.batchNorm(`${prefix}.bn1`, TORCH_BN, 'relu');
  b.conv(`${prefix}.conv2`, { filters: planes, kernel: 3, padding: 1, bias: false });
  const out = b.batchNorm(`${prefix}.bn2`, TORCH_BN);
  residual(b, prefix, x, out, inChannels, planes, stride);
  return planes;
}

/** conv1x1-bn-relu, conv3x3 (stride)-bn-relu, conv1x1 (x4)-bn, + shortcut, relu; returns the output channels. */
function bottleneck(b: SpecBuilder, prefix: string, inChannels: number, planes: number, stride: number): number {
  const x = b.last;
  const outChannels = planes * BOTTLENECK_EXPANSION;
  b.conv(`${prefix}.conv1`, { filters: planes, kernel: 1, bias: false });
  b.batchNorm(`${prefix}.bn1`, TORCH_BN, 'relu');
  b.conv(`${prefix}.conv2`, { filters: planes, kernel: 3, stride, padding: 1, bias: false });
  b.batchNorm(`${prefix}.bn2`, TORCH_BN, 'relu');
  b.conv(`${prefix}.conv3`, { filters: outChannels, kernel: 1, bias: false });
  const out = b.batchNorm(`${prefix}.bn3`, TORCH_BN);
  residual(b, prefix, x, out, inChannels, outChannels, stride);
  return outChannels;
}

/** out + shortcut (a strided 1x1 conv + bn when the shape changes), then ReLU. */
function residual(b: SpecBuilder, prefix: string, x: string, out: string, inChannels: number, outChannels: number, stride: number): void {
  let shortcut = x;
  if (stride !== 1 || inChannels !== outChannels) {
    b.conv(`${prefix}.downsample.0`, { filters: outChannels, kernel: 1, stride, bias: false }, x);
    shortcut = b.batchNorm(`${prefix}.downsample.1`, TORCH_BN);
  }
  b.merge(`${prefix}.add`, 'add', [out, shortcut]);
  b.layer(`${prefix}.relu`, { type: 'activation', activation: 'relu' });
}
