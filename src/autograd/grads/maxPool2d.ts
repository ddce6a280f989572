// Backward rule of MaxPool2D: each gradient goes to the input position that held the maximum.

import type { Conv2DParams } from '../../kernels/params.js';
import { clipBiasAddGrad } from '../../ops/biasAdd.js';
import { maxPool2dBackprop, type MaxPool2DSaved } from '../../ops/maxPool2d.js';
import { add } from '../../ops/shapeOps.js';
import { registerGradient } from '../gradientRegistry.js';
import type { TapeEntry } from '../recorder.js';
import { fusedMaskOf } from './conv2d.js';

registerGradient<MaxPool2DSaved>(
  'MaxPool2D',
  (entry, dOut, _isNeeded, context) => {
    // After a convolution with a bias and a fused ReLU or clip (ResNet's stem) whose output only this pool reads: the
    // input positions that take gradient are the windows' argmaxes, where the convolution's output is the pooled
    // maximum, so the convolution's mask there is the pooled output's. Masking dOut here and summing it for the bias
    // spares the convolution's rule its pass over the whole output (GradientContext): ResNet-18 at batch 16, one
    // ClipBiasAddGrad over 3.2 M values instead of 12.8 M. The output's second gradient (ResNet's first block reads
    // it twice) is added in that same pass (GradientContext.addendOf).
    const input = entry.inputs[0]!;
    const addend = context?.addendOf(entry);
    const producer = context?.soleProducerOf(input);
    const bias = producer?.id === 'Conv2D' ? (producer.inputs[2] ?? null) : null;
    const mask = bias !== null ? fusedMaskOf(producer as TapeEntry<Conv2DParams>, dOut.dtype) : null;
    if (context === undefined || mask === null) {
      return [maxPool2dBackprop(addend === undefined ? dOut : add(dOut, addend), entry.saved)];
    }
    const [masked, dBias] = clipBiasAddGrad(dOut, entry.output, mask.min, mask.max, addend ?? null);
    context.passMasked(input, dBias);
    return [maxPool2dBackprop(masked, entry.saved)];
  },
  true,
);
