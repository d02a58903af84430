/** AlexNet as torchvision builds it (the one-GPU variant of Krizhevsky's "one weird trick" paper). */
import { SMALL_INPUT_PX, SpecBuilder, smallerThan } from './builder.js';
import type { ZooModel } from './model.js';

export const alexnet: ZooModel = {
  description:
    'AlexNet (torchvision): 5 convs with ReLU and 3 max pools, adaptive avg pool to 6x6, ' +
    'dropout 0.5 + dense 4096 twice, classes. Inputs below 64 px use a 3x3 stride-1 conv1.',
  defaultInput: [224, 224, 3],
  defaultClasses: 1000,
  minInputPx: 15,
  build({ numClasses, inputShape }) {
    const b = new SpecBuilder();
    const small = smallerThan(inputShape, SMALL_INPUT_PX);
    b.conv('features.0', small ? { filters: 64, kernel: 3, padding: 1, activation: 'relu' } : { filters: 64, kernel: 11, stride: 4, padding: 2, activation: 'relu' });
    b.maxPool('features.2', 3, 2);
    b.conv('features.3', { filters: 192, kernel: 5, padding: 2, activation: 'relu' });
    b.maxPool('features.5', 3, 2);
    b.conv('features.6', { filters: 384, kernel: 3, padding: 1, activation: 'relu' });
    b.conv('features.8', { filters: 256, kernel: 3, padding: 1, activation: 'relu' });
    b.conv('features.10', { filters: 256, kernel: 3, padding: 1, activation: 'relu' });
    b.maxPool('features.12', 3, 2);
    b.layer('avgpool', { type: 'adaptiveAvgPool2d', outputSize: 6 });
    b.layer('flatten', { type: 'flatten' });
    b.dropout('classifier.0', 0.5);
    b.dense('classifier.1', 4096, 'relu');
    b.dropout('classifier.3', 0.5);
    b.dense('classifier.4', 4096, 'relu');
    b.dense('classifier.6', numClasses, 'softmax');
    return b.build('alexnet', inputShape);
  },
};
