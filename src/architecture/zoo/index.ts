/**
 * The model zoo: classic CNNs as ordinary specs. A reference
 * `{ "zoo": NAME, "numClasses": K, "inputShape": [H, W, C] }` expands to a
 * spec a user can read, edit and submit like any other; compileSpec,
 * summarize, lowerToGraph and parseSpec accept the reference itself.
 *
 * Fidelity to torchvision (0.14, the reference implementation):
 * - Layer names are torchvision's module paths, so tensor names (`name +
 *   ".weight"`, `.bias`, `.running_mean`, `.running_var`,
 *   `.num_batches_tracked`) equal its state_dict keys and published weights
 *   import without renaming. Parameterless layers (activations, pools, add,
 *   concat, multiply, flatten, dropout) carry names of their own that no
 *   tensor uses. At the defaults the parameter counts equal torchvision's.
 * - Everything that changes outputs follows torchvision: batch-norm eps (1e-5;
 *   1e-3 in GoogLeNet's and Inception's BasicConv2d) and momentum (torch 0.1 =
 *   spec 0.9), ceil-mode max pools in GoogLeNet, count_include_pad average
 *   pools in Inception, adaptive 6x6 / 7x7 average pools in AlexNet / VGG,
 *   dropout rates, ReLU6 in MobileNetV2, SiLU, sigmoid squeeze-and-excitation
 *   and linearly increasing stochastic depth (dropPath) in EfficientNet-B0.
 *   EfficientNet-B0 uses nn.BatchNorm2d's defaults, as torchvision's does.
 * - Auxiliary classifiers (GoogLeNet, Inception v3) are left out, and so is
 *   torchvision's `transform_input` (a fixed per-channel affine on the input
 *   that its pretrained GoogLeNet / Inception weights switch on): with those
 *   weights, normalize inputs with mean 0.5 / std 0.5 instead of ImageNet's.
 * - The last dense layer ends in softmax: the graph yields logits, prediction
 *   reports probabilities.
 *
 * Other class counts and input sizes:
 * - numClasses sets the out-features of the last dense layer (`fc`,
 *   `classifier.N`); the input's channels set the first conv's in-channels.
 *   Both change only those tensors' shapes.
 * - Small inputs (height or width below 64 px: CIFAR / MNIST size): ResNet and
 *   GoogLeNet replace the stem by a 3x3 stride-1 conv1 (padding 1) and drop
 *   the stem max pool; AlexNet's conv1 becomes 3x3 stride 1 (padding 1);
 *   MobileNetV2 and EfficientNet-B0 keep their 3x3 stem conv at stride 1.
 *   Inception v3 adapts below 75 px (the smallest its stem reduces): stride-1
 *   Conv2d_1a_3x3 and no maxpool1. VGG leaves out a 2x2 max pool whose input is
 *   already below 2 px. LeNet-5 pads conv1 by 2 below 32 px (MNIST's 28x28 then
 *   matches the classic 32x32 layout). A replaced stem changes that layer's
 *   tensor shapes and the parameter count; names stay torchvision's.
 * - Each model has a smallest accepted input (`minInputPx`, 1 for most);
 *   below it the reference is rejected with SPEC_INVALID at `inputShape`.
 */
export { expandZoo, isZooRef, specOrZooRefSchema, zooRefSchema, type ZooRef, type ZooRefInput } from './expand.js';
export { listZoo, type ZooEntry } from './list.js';
export { ZOO_NAMES, type ZooName } from './registry.js';
