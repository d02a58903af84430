/**
 * LeNet-5 (LeCun et al., 1998) in its common modern form: tanh activations,
 * average pooling, full connections. There are no torchvision weights; the
 * names follow torchvision's `features` / `classifier` convention.
 */
import { SpecBuilder, smallerThan } from './builder.js';
import type { ZooModel } from './model.js';

/** LeNet-5's native input side; smaller inputs (MNIST's 28) get conv1 padding 2, as if padded to 32. */
const NATIVE_INPUT_PX = 32;

export const lenet5: ZooModel = {
  description:
    'LeNet-5: conv 6@5x5 tanh, avg pool, conv 16@5x5 tanh, avg pool, dense 120, 84 (tanh), classes. ' +
    'Inputs below 32 px pad conv1 by 2 (28x28 MNIST then matches the classic 32x32 layout).',
  defaultInput: [32, 32, 1],
  defaultClasses: 10,
  minInputPx: 12,
  build({ numClasses, inputShape }) {
    const b = new SpecBuilder();
    b.conv('features.0', { filters: 6, kernel: 5, padding: smallerThan(inputShape, NATIVE_INPUT_PX) ? 2 : 0, activation: 'tanh' });
    b.avgPool('features.2', 2, 2);
    b.conv('features.3', { filters: 16, kernel: 5, activation: 'tanh' });
    b.avgPool('features.5', 2, 2);
    b.layer('flatten', { type: 'flatten' });
    b.dense('classifier.0', 120, 'tanh');
    b.dense('classifier.2', 84, 'tanh');
    b.dense('classifier.4', numClasses, 'softmax');
    return b.build('lenet5', inputShape);
  },
};
