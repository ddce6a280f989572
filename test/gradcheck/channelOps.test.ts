// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of channel slices and
// the channel shuffle, as ops and in a ShuffleNetV2 unit (split, branch, concatenate, shuffle).

import { describe, test } from 'node:test';
import {
  BatchNormalization,
  ChannelShuffle,
  channelShuffle,
  ChannelSlice,
  Concatenate,
  sliceChannels,
  Conv2D,
  Dense,
  GlobalAveragePooling2D,
  HardSwish,
  Input,
  Model,
  Random,
  Softmax,
  softmaxCrossEntropy,
  Tensor,
} from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('channel slice and channel shuffle gradients match central differences', () => {
  test(
    'sliceChannels [1, 3), [0, 5), [4, 5) of [2, 3, 2, 5]; channelShuffle with 2, 3 and 6 ' + 'groups of 6 channels',
    () => {
      const random = new Random(1460);
      const x = uniformTensor(random, [2, 3, 2, 5]);
      for (const [start, end] of [
        [1, 3],
        [0, 5],
        [4, 5],
      ] as const) {
        gradcheck(([input]) => sliceChannels(input!, start, end), [x], {
          names: ['input'],
          maxRelativeError: RELATIVE_TOLERANCE,
          label: `slice [${start}, ${end})`,
        });
      }
      const y = uniformTensor(random, [2, 2, 3, 6]);
      for (const groups of [2, 3, 6]) {
        gradcheck(([input]) => channelShuffle(input!, groups), [y], {
          names: ['input'],
          maxRelativeError: RELATIVE_TOLERANCE,
          label: `shuffle ${groups}`,
        });
      }
    },
  );

  test('a float64 ShuffleNetV2 unit: split, a conv branch, concatenate, shuffle; every weight and the input', () => {
    const input = new Input({ shape: [4, 4, 3] });
    const stem = new Conv2D({ filters: 6, kernelSize: 1 }).apply(input.output);
    const left = new ChannelSlice({ start: 0, end: 3 }).apply(stem);
    const right = new ChannelSlice({ start: 3, end: 6 }).apply(stem);
    const branch = new HardSwish().apply(
      new BatchNormalization().apply(
        new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', groups: 3 }).apply(right),
      ),
    );
    const joined = new ChannelShuffle({ groups: 2 }).apply(new Concatenate().apply([left, branch]));
    const output = new Softmax().apply(new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(joined)));
    const model = new Model({ inputs: input.output, outputs: output }, { seed: 51, dtype: 'float64' });
    const random = new Random(52);
    const x = uniformTensor(random, [2, 4, 4, 3]);
    const targets = Tensor.zeros([2, 3], 'float64');
    targets.dataSync()[0] = 1;
    targets.dataSync()[4] = 1;
    const named = model.namedWeights().filter((weight) => weight.isTrainable);
    const loss = (images: Tensor) =>
      softmaxCrossEntropy(model.forward(images, { end: model.layers.length - 1 }), targets).loss;
    gradcheck(
      () => loss(x),
      named.map((weight) => weight.tensor),
      {
        names: named.map((weight) => weight.name),
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 53,
        label: 'ShuffleNetV2 unit weights',
      },
    );
    gradcheck(([images]) => loss(images!), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      seed: 54,
      label: 'ShuffleNetV2 unit input',
    });
  });
});
