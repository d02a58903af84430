/**
 * GoogLeNet (Inception v1) as torchvision builds it, without the auxiliary
 * heads: BasicConv2d = conv (no bias) + batch norm (eps 1e-3) + ReLU, max
 * pools with ceil_mode, and torchvision's 3x3 (not 5x5) conv in branch 3.
 */
import { SMALL_INPUT_PX, SpecBuilder, smallerThan, type TorchBatchNorm } from './builder.js';
import type { ZooModel } from './model.js';

/** BasicConv2d's nn.BatchNorm2d(out_channels, eps=0.001). */
const BASIC_CONV_BN: TorchBatchNorm = { eps: 1e-3, momentum: 0.1 };

/** [in, 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5", pool proj] per inception module. */
type InceptionArgs = readonly [number, number, number, number, number, number];

export const googlenet: ZooModel = {
  description:
    'GoogLeNet (Inception v1, torchvision, no auxiliary heads): stem, 9 inception modules, ceil-mode max pools, ' +
    'global avg pool, dropout 0.2, classes. Inputs below 64 px use a 3x3 stride-1 conv1 and no first max pool.',
  defaultInput: [224, 224, 3],
  defaultClasses: 1000,
  minInputPx: 4,
  build({ numClasses, inputShape }) {
    const b = new SpecBuilder();
    const small = smallerThan(inputShape, SMALL_INPUT_PX);
    basicConv(b, 'conv1', 64, small ? 3 : 7, small ? 1 : 2, small ? 1 : 3);
    if (!small) b.maxPool('maxpool1', 3, 2, 0, true);
    basicConv(b, 'conv2', 64, 1);
    basicConv(b, 'conv3', 192, 3, 1, 1);
    b.maxPool('maxpool2', 3, 2, 0, true);
    inception(b, 'inception3a', [64, 96, 128, 16, 32, 32]);
    inception(b, 'inception3b', [128, 128, 192, 32, 96, 64]);
    b.maxPool('maxpool3', 3, 2, 0, true);
    inception(b, 'inception4a', [192, 96, 208, 16, 48, 64]);
    inception(b, 'inception4b', [160, 112, 224, 24, 64, 64]);
    inception(b, 'inception4c', [128, 128, 256, 24, 64, 64]);
    inception(b, 'inception4d', [112, 144, 288, 32, 64, 64]);
    inception(b, 'inception4e', [256, 160, 320, 32, 128, 128]);
    b.maxPool('maxpool4', 2, 2, 0, true);
    inception(b, 'inception5a', [256, 160, 320, 32, 128, 128]);
    inception(b, 'inception5b', [384, 192, 384, 48, 128, 128]);
    b.layer('avgpool', { type: 'globalAvgPool2d' });
    b.dropout('dropout', 0.2);
    b.dense('fc', numClasses, 'softmax');
    return b.build('googlenet', inputShape);
  },
};

function basicConv(b: SpecBuilder, name: string, filters: number, kernel: number, stride = 1, padding = 0, from?: string): string {
  return b.convBn(`${name}.conv`, `${name}.bn`, { filters, kernel, stride, padding }, BASIC_CONV_BN, 'relu', from);
}

function inception(b: SpecBuilder, name: string, [ch1x1, ch3red, ch3, ch5red, ch5, poolProj]: InceptionArgs): string {
  const x = b.last;
  const branch1 = basicConv(b, `${name}.branch1`, ch1x1, 1, 1, 0, x);
  basicConv(b, `${name}.branch2.0`, ch3red, 1, 1, 0, x);
  const branch2 = basicConv(b, `${name}.branch2.1`, ch3, 3, 1, 1);
  basicConv(b, `${name}.branch3.0`, ch5red, 1, 1, 0, x);
  const branch3 = basicConv(b, `${name}.branch3.1`, ch5, 3, 1, 1);
  b.maxPool(`${name}.branch4.0`, 3, 1, 1, true, x);
  const branch4 = basicConv(b, `${name}.branch4.1`, poolProj, 1);
  return b.merge(`${name}.cat`, 'concat', [branch1, branch2, branch3, branch4]);
}
