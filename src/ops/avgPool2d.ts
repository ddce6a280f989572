// Average pooling ops: checks, params, dispatch. Global average pooling is average pooling with the
// window set to the whole feature map, then a reshape to [batch, channels].
// Convention: padded positions count neither in the sum nor in the divisor (kernels/js/avgPool2d.ts).

import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import type { Pool2DParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateInputMap, allocateOutputMap } from './allocate.js';
import { checkImageBatch } from './checks.js';
import { poolParams, type Pool2DOptions } from './maxPool2d.js';
import { reshape } from './shapeOps.js';

/**
 * Average pooling over NHWC windows: [batch, inH, inW, C] -> [batch, outH, outW, C]. With padding, each
 * output is the mean of the valid (non-padded) values of its window, as TensorFlow and Keras compute it.
 * Throws ShapeError for a rank other than 4, a window that does not fit, or padding not smaller than it.
 *
 * @example
 * const y = avgPool2d(x, { poolSize: 2 }); // [8,28,28,16] -> [8,14,14,16]
 */
export function avgPool2d(input: Tensor, options: Pool2DOptions): Tensor {
  const name = options.name ?? 'avgPool2d';
  checkImageBatch(input, name);
  const params = poolParams(input.shape, { ...options, name });
  const output = allocateOutputMap(params, input.dtype, name);
  runKernel('AvgPool2D', input, output, params);
  record<Pool2DParams>({ id: 'AvgPool2D', inputs: [input], output, saved: params });
  return output;
}

/** Spreads each output's gradient evenly over the valid positions of its window. */
export function avgPool2dBackprop(dOut: Tensor, params: Pool2DParams): Tensor {
  const dInput = allocateInputMap(params, dOut.dtype);
  runKernel('AvgPool2DBackprop', dOut, dInput, params);
  return dInput;
}

/**
 * The mean of each feature map: [batch, height, width, C] -> [batch, C]. Throws ShapeError for a rank other than 4.
 *
 * @example
 * const features = globalAveragePool2d(x); // [8,7,7,64] -> [8,64]
 */
export function globalAveragePool2d(input: Tensor, name = 'globalAveragePool2d'): Tensor {
  checkImageBatch(input, name);
  const [batch, height, width, channels] = input.shape as [number, number, number, number];
  return reshape(avgPool2d(input, { poolSize: [height, width], name }), [batch, channels]);
}
