// Hand-worked and known values of the reference kernels of ReLU, sigmoid, tanh, leaky ReLU, ELU, GELU, SiLU
// and clip, in float64 (erf itself: erf.test.ts). Expected numbers come from mpmath at 30 digits (Phi, exp,
// expm1), written beside each case; piecewise-linear cases are exact (tolerance 0). The ops' defaults and
// argument checks are in test/ops/activations.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gelu, silu, Tensor } from '../../../src/index.js';
import {
  clip as clipKernel,
  clipGrad,
  elu as eluKernel,
  eluGrad,
  gelu as geluKernel,
  geluGrad,
  leakyRelu as leakyReluKernel,
  leakyReluGrad,
  relu as reluKernel,
  reluGrad,
  sigmoid as sigmoidKernel,
  sigmoidGrad,
  silu as siluKernel,
  siluGrad,
  tanh as tanhKernel,
  tanhGrad,
} from '../../../src/kernels/js/activations.js';
import { assertClose } from '../../helpers.js';

const EXACT = { atol: 0, rtol: 0 };
/** A few float64 operations on exp and erf: within a few units in the last place. */
const FLOAT64 = { atol: 1e-300, rtol: 5e-15 };

function f64(values: number[]): Float64Array {
  return Float64Array.from(values);
}

function forward(
  kernel: (input: Float64Array, output: Float64Array, params: { size: number; alpha: number }) => void,
  values: number[],
  alpha = 0,
): Float64Array {
  const output = new Float64Array(values.length);
  kernel(f64(values), output, { size: values.length, alpha });
  return output;
}

function backward(
  kernel: (
    dOut: Float64Array,
    input: Float64Array,
    dInput: Float64Array,
    params: { size: number; alpha: number },
  ) => void,
  dOut: number[],
  values: number[],
  alpha = 0,
): Float64Array {
  const dInput = new Float64Array(values.length);
  kernel(f64(dOut), f64(values), dInput, { size: values.length, alpha });
  return dInput;
}

describe('LeakyRelu and LeakyReluGrad reference kernels, by hand', () => {
  test('alpha 0.25: x for x > 0, x / 4 otherwise; the derivative at 0 is alpha; NaN stays NaN', () => {
    assertClose(forward(leakyReluKernel, [-2, -0.5, 0, 3, 7], 0.25), [-0.5, -0.125, 0, 3, 7], EXACT, 'leaky relu');
    assertClose(
      backward(leakyReluGrad, [4, 4, 4, 4], [-2, 0, 1e-300, 3], 0.25),
      [1, 1, 4, 4],
      EXACT,
      'leaky relu grad',
    );
    assert.ok(Number.isNaN(forward(leakyReluKernel, [Number.NaN], 0.25)[0]!));
  });
});

describe('Elu and EluGrad reference kernels, by hand', () => {
  test(
    'ELU(-1) = e^-1 - 1, ELU(2) = 2; alpha 0.5 halves the negative part; ELU(-1e-10) keeps its ' + 'digits (expm1)',
    () => {
      assertClose(
        forward(eluKernel, [-1, 2, 0, -1e-10], 1),
        [-0.6321205588285577, 2, 0, -9.999999999500001e-11],
        FLOAT64,
        'elu alpha 1',
      );
      assertClose(forward(eluKernel, [-1, 3], 0.5), [0.5 * -0.6321205588285577, 3], FLOAT64, 'elu alpha 0.5');
    },
  );

  test('EluGrad: dOut for x > 0, dOut * alpha * e^x otherwise (e^-1 = 0.36787944117144233)', () => {
    assertClose(
      backward(eluGrad, [2, 2, 3], [-1, 0, 5], 1),
      [2 * 0.36787944117144233, 2, 3],
      FLOAT64,
      'elu grad alpha 1',
    );
    assertClose(backward(eluGrad, [1], [-1], 2), [2 * 0.36787944117144233], FLOAT64, 'elu grad alpha 2');
  });
});

describe('Gelu and GeluGrad reference kernels (exact erf form), against mpmath', () => {
  test('GELU(1) = 0.8413447460685429, GELU(-1), GELU(2), GELU(-3), GELU(0.5), GELU(0) = 0', () => {
    assertClose(
      forward(geluKernel, [1, -1, 2, -3, 0.5, 0]),
      [0.8413447460685429, -0.15865525393145705, 1.9544997361036416, -0.0040496940948902835, 0.34573123063700656, 0],
      FLOAT64,
      'gelu',
    );
    assertClose(gelu(Tensor.fromArray([1], [1], 'float64')).dataSync(), [0.8413447460685429], FLOAT64, 'gelu op');
  });

  test(
    'GeluGrad = Phi(x) + x phi(x): 1.0833154705876864 at 1, -0.0833154705876863 at -1, ' +
      '-0.011945647204183927 at -3',
    () => {
      assertClose(
        backward(geluGrad, [1, 1, 1, 2], [1, -1, -3, 0]),
        [1.0833154705876864, -0.08331547058768629, -0.011945647204183927, 1],
        FLOAT64,
        'gelu grad',
      );
    },
  );

  test('tails: GELU(-30) is a tiny negative number, not 0 or NaN; GELU(30) = 30; NaN stays NaN', () => {
    const [low, high, nan] = forward(geluKernel, [-30, 30, Number.NaN]);
    assert.ok(low! < 0 && low! > -1e-190, `GELU(-30) = ${low}`);
    assert.equal(high, 30);
    assert.ok(Number.isNaN(nan!));
  });
});

describe('Silu and SiluGrad reference kernels, against mpmath', () => {
  test('SiLU(1) = sigmoid(1) = 0.7310585786300049, SiLU(-1), SiLU(-20), SiLU(0) = 0; no overflow at +-1000', () => {
    assertClose(
      forward(siluKernel, [1, -1, -20, 0, 1000]),
      [0.7310585786300049, -0.2689414213699951, -4.122307236380407e-8, 0, 1000],
      FLOAT64,
      'silu',
    );
    const [minusThousand] = forward(siluKernel, [-1000]);
    assert.ok(minusThousand === 0 && Object.is(minusThousand, -0), `SiLU(-1000) = ${minusThousand}`);
    assertClose(silu(Tensor.fromArray([1], [1], 'float64')).dataSync(), [0.7310585786300049], FLOAT64, 'silu op');
  });

  test(
    'SiluGrad = s(x) (1 + x (1 - s(x))): 0.5 at 0, 0.9276705118714867 at 1, 0.0723294881285133 at -1, ' +
      '-3.9e-8 at -20',
    () => {
      assertClose(
        backward(siluGrad, [1, 1, 1, 1], [0, 1, -1, -20]),
        [0.5, 0.9276705118714867, 0.07232948812851327, -3.9161918660646786e-8],
        FLOAT64,
        'silu grad',
      );
    },
  );
});

describe('Clip and ClipGrad reference kernels, by hand', () => {
  const clipped = (values: number[], min: number, max: number) => {
    const output = new Float64Array(values.length);
    clipKernel(f64(values), output, { size: values.length, min, max });
    return output;
  };
  const clipGradient = (dOut: number[], values: number[], min: number, max: number) => {
    const dInput = new Float64Array(values.length);
    clipGrad(f64(dOut), f64(values), dInput, { size: values.length, min, max });
    return dInput;
  };

  test('ReLU6 (min 0, max 6) and Hardtanh (min -1, max 1); one-sided and unbounded; NaN stays NaN', () => {
    assertClose(clipped([-3, -0.5, 0, 2.5, 6, 9], 0, 6), [0, 0, 0, 2.5, 6, 6], EXACT, 'relu6');
    assertClose(clipped([-3, -1, 0.25, 1, 1.5], -1, 1), [-1, -1, 0.25, 1, 1], EXACT, 'hardtanh');
    assertClose(clipped([-1e300, 5, 1e300], -Infinity, 2), [-1e300, 2, 2], EXACT, 'max only');
    assert.deepEqual(
      Array.from(clipped([-Infinity, 3, Infinity], -Infinity, Infinity)),
      [-Infinity, 3, Infinity],
      'unbounded',
    );
    assertClose(clipped([-2, 0.5, 7], 0.5, 0.5), [0.5, 0.5, 0.5], EXACT, 'min = max');
    assert.ok(Number.isNaN(clipped([Number.NaN], 0, 6)[0]!));
  });

  test('ClipGrad: dOut strictly inside (min, max), 0 at both bounds, outside them and for NaN', () => {
    assertClose(
      clipGradient([1, 2, 3, 4, 5, 6, 7], [-1, 0, 1e-300, 3, 6 - 1e-12, 6, 8], 0, 6),
      [0, 0, 3, 4, 5, 0, 0],
      EXACT,
      'relu6 grad',
    );
    assertClose(
      clipGradient([1, 2, 3], [-1e300, 5, Number.NaN], -Infinity, Infinity),
      [1, 2, 0],
      EXACT,
      'unbounded grad',
    );
    assertClose(clipGradient([1, 2], [0.5, 0.5], 0.5, 0.5), [0, 0], EXACT, 'min = max grad');
  });
});

describe('Relu, Sigmoid and Tanh reference kernels, by hand', () => {
  /** Float64 results of a few exp evaluations, each computed in another order than the kernel's. */
  const EXP_FLOAT64 = { atol: 1e-14, rtol: 1e-12 };

  test('Relu and ReluGrad: negative and zero give 0, NaN stays NaN, the derivative at 0 is 0', () => {
    const input = f64([-2, -0, 0, 0.5, 3]);
    const output = new Float64Array(5);
    reluKernel(input, output, { size: 5 });
    assertClose(output, [0, 0, 0, 0.5, 3], EXACT, 'relu');
    const nan = new Float64Array(1);
    reluKernel(f64([Number.NaN]), nan, { size: 1 });
    assert.ok(Number.isNaN(nan[0]!), 'relu(NaN) is NaN');
    const dInput = new Float64Array(5);
    reluGrad(f64([1, 2, 3, 4, 5]), input, dInput, { size: 5 });
    assertClose(dInput, [0, 0, 0, 4, 5], EXACT, 'reluGrad');
  });

  test('Sigmoid and SigmoidGrad, including +-1000 without overflow', () => {
    const output = new Float64Array(5);
    sigmoidKernel(f64([0, 2, -2, 1000, -1000]), output, { size: 5 });
    assertClose(output, [0.5, 1 / (1 + Math.exp(-2)), Math.exp(-2) / (1 + Math.exp(-2)), 1, 0], EXP_FLOAT64, 'sigmoid');
    const dInput = new Float64Array(2);
    sigmoidGrad(f64([2, 3]), f64([0.5, 0.25]), dInput, { size: 2 });
    assertClose(dInput, [2 * 0.5 * 0.5, 3 * 0.25 * 0.75], EXACT, 'sigmoidGrad = dOut * s * (1 - s)');
  });

  test('Tanh and TanhGrad', () => {
    const output = new Float64Array(3);
    tanhKernel(f64([0, 0.5, -3]), output, { size: 3 });
    assertClose(
      output,
      [0, (Math.exp(1) - 1) / (Math.exp(1) + 1), -(Math.exp(6) - 1) / (Math.exp(6) + 1)],
      EXP_FLOAT64,
      'tanh',
    );
    const dInput = new Float64Array(2);
    tanhGrad(f64([2, 3]), f64([0.5, -0.25]), dInput, { size: 2 });
    assertClose(dInput, [2 * 0.75, 3 * (1 - 0.0625)], EXACT, 'tanhGrad = dOut * (1 - t^2)');
  });
});
