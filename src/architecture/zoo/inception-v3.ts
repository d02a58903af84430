/**
 * Inception v3 as torchvision builds it, without the auxiliary head:
 * BasicConv2d = conv (no bias) + batch norm (eps 1e-3) + ReLU; the branch avg
 * pools count the padding (torch's default count_include_pad); concatenation
 * order is torchvision's, so channels line up with its weights.
 */
import { SpecBuilder, smallerThan, type TorchBatchNorm } from './builder.js';
import type { ZooModel } from './model.js';

const BASIC_CONV_BN: TorchBatchNorm = { eps: 1e-3, momentum: 0.1 };
/** Smallest input the standard stem reduces to a valid map (torchvision's min_size); below it the stem is adapted. */
const STANDARD_MIN_PX = 75;

type Kernel = number | [number, number];
type Padding = number | [number, number];

export const inceptionV3: ZooModel = {
  description:
    'Inception v3 (torchvision, no auxiliary head): stem, Mixed_5b-5d (A), 6a (B), 6b-6e (C), 7a (D), 7b-7c (E), ' +
    'global avg pool, dropout 0.5, classes. Inputs below 75 px use a stride-1 Conv2d_1a_3x3 and no first max pool.',
  defaultInput: [299, 299, 3],
  defaultClasses: 1000,
  minInputPx: 21,
  build({ numClasses, inputShape }) {
    const b = new SpecBuilder();
    const small = smallerThan(inputShape, STANDARD_MIN_PX);
    basicConv(b, 'Conv2d_1a_3x3', 32, 3, { stride: small ? 1 : 2 });
    basicConv(b, 'Conv2d_2a_3x3', 32, 3);
    basicConv(b, 'Conv2d_2b_3x3', 64, 3, { padding: 1 });
    if (!small) b.maxPool('maxpool1', 3, 2);
    basicConv(b, 'Conv2d_3b_1x1', 80, 1);
    basicConv(b, 'Conv2d_4a_3x3', 192, 3);
    b.maxPool('maxpool2', 3, 2);
    inceptionA(b, 'Mixed_5b', 32);
    inceptionA(b, 'Mixed_5c', 64);
    inceptionA(b, 'Mixed_5d', 64);
    inceptionB(b, 'Mixed_6a');
    inceptionC(b, 'Mixed_6b', 128);
    inceptionC(b, 'Mixed_6c', 160);
    inceptionC(b, 'Mixed_6d', 160);
    inceptionC(b, 'Mixed_6e', 192);
    inceptionD(b, 'Mixed_7a');
    inceptionE(b, 'Mixed_7b');
    inceptionE(b, 'Mixed_7c');
    b.layer('avgpool', { type: 'globalAvgPool2d' });
    b.dropout('dropout', 0.5);
    b.dense('fc', numClasses, 'softmax');
    return b.build('inception_v3', inputShape);
  },
};

function basicConv(
  b: SpecBuilder,
  name: string,
  filters: number,
  kernel: Kernel,
  { stride = 1, padding = 0 }: { stride?: number; padding?: Padding } = {},
  from?: string,
): string {
  return b.convBn(`${name}.conv`, `${name}.bn`, { filters, kernel, stride, padding }, BASIC_CONV_BN, 'relu', from);
}

/** F.avg_pool2d(x, 3, stride=1, padding=1) then a 1x1 BasicConv2d. */
function poolBranch(b: SpecBuilder, name: string, x: string, filters: number): string {
  b.avgPool(`${name}.avg_pool`, 3, 1, 1, x);
  return basicConv(b, `${name}.branch_pool`, filters, 1);
}

function inceptionA(b: SpecBuilder, name: string, poolFeatures: number): string {
  const x = b.last;
  const branch1x1 = basicConv(b, `${name}.branch1x1`, 64, 1, {}, x);
  basicConv(b, `${name}.branch5x5_1`, 48, 1, {}, x);
  const branch5x5 = basicConv(b, `${name}.branch5x5_2`, 64, 5, { padding: 2 });
  basicConv(b, `${name}.branch3x3dbl_1`, 64, 1, {}, x);
  basicConv(b, `${name}.branch3x3dbl_2`, 96, 3, { padding: 1 });
  const branch3x3dbl = basicConv(b, `${name}.branch3x3dbl_3`, 96, 3, { padding: 1 });
  const branchPool = poolBranch(b, name, x, poolFeatures);
  return b.merge(`${name}.cat`, 'concat', [branch1x1, branch5x5, branch3x3dbl, branchPool]);
}

function inceptionB(b: SpecBuilder, name: string): string {
  const x = b.last;
  const branch3x3 = basicConv(b, `${name}.branch3x3`, 384, 3, { stride: 2 }, x);
  basicConv(b, `${name}.branch3x3dbl_1`, 64, 1, {}, x);
  basicConv(b, `${name}.branch3x3dbl_2`, 96, 3, { padding: 1 });
  const branch3x3dbl = basicConv(b, `${name}.branch3x3dbl_3`, 96, 3, { stride: 2 });
  const branchPool = b.maxPool(`${name}.max_pool`, 3, 2, 0, false, x);
  return b.merge(`${name}.cat`, 'concat', [branch3x3, branch3x3dbl, branchPool]);
}

function inceptionC(b: SpecBuilder, name: string, c7: number): string {
  const x = b.last;
  const branch1x1 = basicConv(b, `${name}.branch1x1`, 192, 1, {}, x);
  basicConv(b, `${name}.branch7x7_1`, c7, 1, {}, x);
  basicConv(b, `${name}.branch7x7_2`, c7, [1, 7], { padding: [0, 3] });
  const branch7x7 = basicConv(b, `${name}.branch7x7_3`, 192, [7, 1], { padding: [3, 0] });
  basicConv(b, `${name}.branch7x7dbl_1`, c7, 1, {}, x);
  basicConv(b, `${name}.branch7x7dbl_2`, c7, [7, 1], { padding: [3, 0] });
  basicConv(b, `${name}.branch7x7dbl_3`, c7, [1, 7], { padding: [0, 3] });
  basicConv(b, `${name}.branch7x7dbl_4`, c7, [7, 1], { padding: [3, 0] });
  const branch7x7dbl = basicConv(b, `${name}.branch7x7dbl_5`, 192, [1, 7], { padding: [0, 3] });
  const branchPool = poolBranch(b, name, x, 192);
  return b.merge(`${name}.cat`, 'concat', [branch1x1, branch7x7, branch7x7dbl, branchPool]);
}

function inceptionD(b: SpecBuilder, name: string): string {
  const x = b.last;
  basicConv(b, `${name}.branch3x3_1`, 192, 1, {}, x);
  const branch3x3 = basicConv(b, `${name}.branch3x3_2`, 320, 3, { stride: 2 });
  basicConv(b, `${name}.branch7x7x3_1`, 192, 1, {}, x);
  basicConv(b, `${name}.branch7x7x3_2`, 192, [1, 7], { padding: [0, 3] });
  basicConv(b, `${name}.branch7x7x3_3`, 192, [7, 1], { padding: [3, 0] });
  const branch7x7x3 = basicConv(b, `${name}.branch7x7x3_4`, 192, 3, { stride: 2 });
  const branchPool = b.maxPool(`${name}.max_pool`, 3, 2, 0, false, x);
  return b.merge(`${name}.cat`, 'concat', [branch3x3, branch7x7x3, branchPool]);
}

/** The 3x3 branches split into parallel 1x3 and 3x1 convs; one concat keeps torchvision's channel order. */
function inceptionE(b: SpecBuilder, name: string): string {
  const x = b.last;
  const branch1x1 = basicConv(b, `${name}.branch1x1`, 320, 1, {}, x);
  const split = basicConv(b, `${name}.branch3x3_1`, 384, 1, {}, x);
  const branch3x3a = basicConv(b, `${name}.branch3x3_2a`, 384, [1, 3], { padding: [0, 1] });
  const branch3x3b = basicConv(b, `${name}.branch3x3_2b`, 384, [3, 1], { padding: [1, 0] }, split);
  basicConv(b, `${name}.branch3x3dbl_1`, 448, 1, {}, x);
  const splitDbl = basicConv(b, `${name}.branch3x3dbl_2`, 384, 3, { padding: 1 });
  const branchDblA = basicConv(b, `${name}.branch3x3dbl_3a`, 384, [1, 3], { padding: [0, 1] });
  const branchDblB = basicConv(b, `${name}.branch3x3dbl_3b`, 384, [3, 1], { padding: [1, 0] }, splitDbl);
  const branchPool = poolBranch(b, name, x, 192);
  return b.merge(`${name}.cat`, 'concat', [branch1x1, branch3x3a, branch3x3b, branchDblA, branchDblB, branchPool]);
}
