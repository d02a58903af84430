import { describe, expect, it } from 'vitest';
import { formatSummary, summarize } from '../../src/architecture/index.js';
import { MNIST_CNN, specOf } from './fixtures.js';

describe('Keras-style summary text', () => {
  it('renders the MNIST CNN like model.summary()', () => {
    expect(formatSummary(summarize(MNIST_CNN))).toBe(
      [
        '______________________________________________________',
        ' Layer (type)             Output Shape        Param #',
        '======================================================',
        ' conv2d_1 (conv2d)        (None, 28, 28, 32)  320',
        ' maxPool2d_1 (maxPool2d)  (None, 14, 14, 32)  0',
        ' conv2d_2 (conv2d)        (None, 14, 14, 64)  18,496',
        ' maxPool2d_2 (maxPool2d)  (None, 7, 7, 64)    0',
        ' flatten_1 (flatten)      (None, 3136)        0',
        ' dense_1 (dense)          (None, 128)         401,536',
        ' dense_2 (dense)          (None, 10)          1,290',
        '======================================================',
        'Total params: 421,642 (1.61 MB)',
        'Trainable params: 421,642',
        'Non-trainable params: 0 (frozen layers)',
        'BN running statistics: 0 (buffers; Keras reports 0 non-trainable params)',
        'MACs per image: 4,241,152 (4.24M)',
        '______________________________________________________',
        '',
      ].join('\n'),
    );
  });

  it('adds the model name, and a Connected to column for non-sequential models', () => {
    const text = formatSummary(
      summarize({
        name: 'tiny-res',
        ...specOf([8, 8, 4], [
          { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same' },
          { type: 'batchNorm', trainable: false },
          { type: 'add', inputs: ['input', 'batchNorm_1'] },
          { type: 'globalAvgPool2d' },
          { type: 'dense', units: 2 },
        ]),
      }),
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('Model: "tiny-res"');
    expect(lines[2]).toMatch(/Layer \(type\)\s+Output Shape\s+Param #\s+Connected to$/);
    expect(text).toMatch(/ input \(input\)\s+\(None, 8, 8, 4\)\s+0\s+-\n/);
    expect(text).toMatch(/ add_1 \(add\)\s+\(None, 8, 8, 4\)\s+0\s+input, batchNorm_1\n/);
    expect(text).toContain('Non-trainable params: 8 (frozen layers)');
    expect(text).toContain('BN running statistics: 8 (buffers; Keras reports 16 non-trainable params)');
  });
});
