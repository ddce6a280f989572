// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of layer
// normalization (input, gamma, beta) as an op and in a ConvNeXt-style block (depthwise conv,
// LayerNormalization, 1x1 convs, GELU, residual).

import { describe, test } from 'node:test';
import {
  Add,
  GELU,
  LayerNormalization,
  layerNormalization,
  Conv2D,
  Dense,
  GlobalAveragePooling2D,
  Input,
  Model,
  Random,
  Softmax,
  softmaxCrossEntropy,
  Tensor,
} from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('layer normalization gradients match central differences', () => {
  test('layerNormalization on [2, 3, 2, 5] and [4, 7] (input, gamma and beta), epsilon 1e-5 and 1e-2', () => {
    const random = new Random(1500);
    for (const [shape, epsilon] of [
      [[2, 3, 2, 5], 1e-5],
      [[4, 7], 1e-2],
      [[1, 2, 2, 2], 1e-5],
    ] as const) {
      const x = uniformTensor(random, shape, -2, 2);
      const channels = shape[shape.length - 1]!;
      const gamma = uniformTensor(random, [channels], 0.5, 1.5);
      const beta = uniformTensor(random, [channels]);
      gradcheck(([input, g, b]) => layerNormalization(input!, g!, b!, epsilon), [x, gamma, beta], {
        names: ['input', 'gamma', 'beta'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: `layerNorm ${shape.join('x')}`,
      });
    }
  });

  test(
    'a float64 ConvNeXt-style block: depthwise 3x3, LayerNormalization, 1x1 up, GELU, 1x1 down, ' +
      'residual; every weight and the input',
    () => {
      const input = new Input({ shape: [4, 4, 3] });
      const stem = new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output);
      const depthwise = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', groups: 4 }).apply(stem);
      const normalized = new LayerNormalization({ epsilon: 1e-6 }).apply(depthwise);
      const expanded = new GELU().apply(new Conv2D({ filters: 8, kernelSize: 1 }).apply(normalized));
      const block = new Add().apply([stem, new Conv2D({ filters: 4, kernelSize: 1 }).apply(expanded)]);
      const output = new Softmax().apply(
        new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(new LayerNormalization().apply(block))),
      );
      const model = new Model({ inputs: input.output, outputs: output }, { seed: 61, dtype: 'float64' });
      const random = new Random(62);
      for (const { name, tensor } of model.namedWeights()) {
        if (name.endsWith('/beta') || name.endsWith('/gamma') || name.endsWith('/bias'))
          for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index]! += 0.3 * (random.uniform() - 0.5);
      }
      const x = uniformTensor(random, [2, 4, 4, 3]);
      const targets = Tensor.zeros([2, 3], 'float64');
      targets.dataSync()[1] = 1;
      targets.dataSync()[5] = 1;
      const named = model.namedWeights();
      const loss = (images: Tensor) =>
        softmaxCrossEntropy(model.forward(images, { end: model.layers.length - 1 }), targets).loss;
      gradcheck(
        () => loss(x),
        named.map((weight) => weight.tensor),
        {
          names: named.map((weight) => weight.name),
          maxRelativeError: RELATIVE_TOLERANCE,
          seed: 63,
          label: 'ConvNeXt block weights',
        },
      );
      gradcheck(([images]) => loss(images!), [x], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 64,
        label: 'ConvNeXt block input',
      });
    },
  );
});
