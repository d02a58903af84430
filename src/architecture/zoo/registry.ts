/** Every zoo model by its name (torchvision's function names), in the order listings show them. */
import { alexnet } from './alexnet.js';
import { efficientnetB0 } from './efficientnet.js';
import { googlenet } from './googlenet.js';
import { inceptionV3 } from './inception-v3.js';
import { lenet5 } from './lenet.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import type { ZooModel } from './model.js';
import { resnet18, resnet34, resnet50 } from './resnet.js';
import { vgg16, vgg16Bn } from './vgg.js';

export const ZOO_NAMES = [
  'lenet5',
  'alexnet',
  'vgg16',
  'vgg16_bn',
  'googlenet',
  'resnet18',
  'resnet34',
  'resnet50',
  'mobilenet_v2',
  'efficientnet_b0',
  'inception_v3',
] as const;

export type ZooName = (typeof ZOO_NAMES)[number];

export const ZOO_MODELS: Readonly<Record<ZooName, ZooModel>> = {
  lenet5,
  alexnet,
  vgg16,
  vgg16_bn: vgg16Bn,
  googlenet,
  resnet18,
  resnet34,
  resnet50,
  mobilenet_v2: mobilenetV2,
  efficientnet_b0: efficientnetB0,
  inception_v3: inceptionV3,
};
