// Backward rule of Conv2D: gradients for input, filter and bias (derivation: kernels/js/conv2d.ts).

import type { DType } from '../../core/dtype.js';
import type { Tensor } from '../../core/tensor.js';
import { fusedActivationOf, type Conv2DParams } from '../../kernels/params.js';
import { biasAddGrad, clipBiasAddGrad } from '../../ops/biasAdd.js';
import { activationGrad, clipGrad } from '../../ops/activations.js';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../../ops/conv2d.js';
import { add } from '../../ops/shapeOps.js';
import { registerGradient } from '../gradientRegistry.js';
import type { TapeEntry } from '../recorder.js';

/**
 * The open interval (min, max) of a Conv2D's output where its fused ReLU or clip passes the gradient, or null (no
 * fused activation, or one without a mask). A fused ReLU: its output is positive exactly where its input was, so the
 * output gives the mask. A fused clip likewise: min < output < max exactly where min < input < max (ClipGrad's open
 * interval), with the bounds rounded as the float32 kernels round them.
 */
export function fusedMaskOf(entry: TapeEntry<Conv2DParams>, dtype: DType): { min: number; max: number } | null {
  const activation = fusedActivationOf(entry.saved.activation);
  const round = dtype === 'float32' ? Math.fround : (value: number) => value;
  return activation?.kind === 'relu'
    ? { min: 0, max: Infinity }
    : activation?.kind === 'clip'
      ? { min: round(activation.min), max: round(activation.max) }
      : null;
}

// The first layer's input gradient is rarely needed (the images are not trained): skip it then.
registerGradient<Conv2DParams>(
  'Conv2D',
  (entry, dOutput, isNeeded, context) => {
    // A fused residual (a fourth input) was added before the activation: its gradient is the masked dOut.
    const [input, filter, bias] = entry.inputs as [Tensor, Tensor, Tensor | null, Tensor?];
    const activation = fusedActivationOf(entry.saved.activation);
    const mask = fusedMaskOf(entry, dOutput.dtype);
    // A max pool's rule may have masked dOutput already, and summed it for the bias (GradientContext); then the
    // output has that one use, so no addend.
    const passedBias = context?.maskedBiasOf(entry);
    // The output's second gradient (GradientContext.addendOf): added as the mask is applied where there is one.
    const addend = context?.addendOf(entry);
    const isMaskedWithBias = passedBias === undefined && mask !== null && bias !== null && isNeeded[2]!;
    let dOut = addend === undefined || isMaskedWithBias ? dOutput : add(dOutput, addend);
    let dBias: Tensor | null = null;
    if (passedBias !== undefined) {
      dBias = passedBias;
    } else if (isMaskedWithBias) {
      // Mask and bias gradient in one pass over dOutput (and the addend): ResNet's residual blocks' inputs.
      [dOut, dBias] = clipBiasAddGrad(dOutput, entry.output, mask.min, mask.max, addend ?? null);
    } else if (activation?.kind === 'relu') {
      dOut = activationGrad('ReluGrad', dOut, entry.output);
    } else if (mask !== null) {
      dOut = clipGrad(dOut, entry.output, { size: dOut.size, ...mask });
    }
    if (dBias === null && bias !== null && isNeeded[2]) dBias = biasAddGrad(dOut);
    return [
      isNeeded[0] ? conv2dBackpropInput(dOut, filter, entry.saved) : null,
      isNeeded[1] ? conv2dBackpropFilter(input, dOut, entry.saved) : null,
      dBias,
      isNeeded[3] === true ? dOut : null,
    ];
  },
  true,
);
