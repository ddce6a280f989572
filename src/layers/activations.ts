// Activation layers: ReLU (the default in CNNs), and sigmoid and tanh, which saturate and so show the
// vanishing-gradient problem that ReLU avoids; leaky ReLU and ELU, which keep a gradient for negative
// inputs; GELU and SiLU, smooth ReLU-like curves from transformers and EfficientNet; Clip, which
// bounds values (ReLU6 of MobileNet, Hardtanh); HardSigmoid and HardSwish, the piecewise-linear
// gate and activation of MobileNetV3; Power, a constant exponent (squares, square roots).

import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import {
  clip,
  elu,
  gelu,
  hardSigmoid,
  hardSwish,
  leakyRelu,
  pow,
  relu,
  sigmoid,
  silu,
  tanh,
} from '../ops/activations.js';
import { checkBounds, checkFiniteNumber } from '../ops/checks.js';
import { Layer, type LayerConfig, type LayerOptions } from './layer.js';

abstract class ActivationLayer extends Layer {
  constructor(options: LayerOptions = {}) {
    super(options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }
}

/** max(x, 0) elementwise. @example new ReLU() */
export class ReLU extends ActivationLayer {
  readonly className = 'ReLU';
  call(input: Tensor): Tensor {
    return relu(input);
  }
}

/** 1 / (1 + e^-x) elementwise. @example new Sigmoid() */
export class Sigmoid extends ActivationLayer {
  readonly className = 'Sigmoid';
  call(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

/** tanh(x) elementwise. @example new Tanh() */
export class Tanh extends ActivationLayer {
  readonly className = 'Tanh';
  call(input: Tensor): Tensor {
    return tanh(input);
  }
}

/** Options of the LeakyReLU layer. */
export interface LeakyReLUOptions extends LayerOptions {
  /**
   * Slope for negative inputs; default 0.01. NOTE: frameworks disagree: 0.01 is the slope of the paper
   * that introduced it (Maas et al., 2013) and PyTorch's default; Keras uses 0.3 and TensorFlow.js 0.2.
   * Pass alpha explicitly to match a model trained elsewhere.
   */
  alpha?: number | undefined;
}

/** x if x > 0, else alpha * x (default alpha 0.01). @example new LeakyReLU({ alpha: 0.1 }) */
export class LeakyReLU extends ActivationLayer {
  readonly className = 'LeakyReLU';
  /** The slope for negative inputs. */
  readonly alpha: number;

  constructor(options: LeakyReLUOptions = {}) {
    super(options);
    this.alpha = options.alpha ?? 0.01;
    checkFiniteNumber(this.alpha, 'LeakyReLU alpha');
  }

  call(input: Tensor): Tensor {
    return leakyRelu(input, this.alpha);
  }

  /** The constructor's options: name and alpha. */
  override getConfig(): LayerConfig {
    return { name: this.name, alpha: this.alpha };
  }
}

/** Options of the ELU layer. */
export interface ELUOptions extends LayerOptions {
  /** Scale of the negative part, which tends to -alpha; default 1 (Clevert et al., 2016; Keras, PyTorch). */
  alpha?: number | undefined;
}

/** x if x > 0, else alpha * (e^x - 1) (default alpha 1). @example new ELU() */
export class ELU extends ActivationLayer {
  readonly className = 'ELU';
  /** The scale of the negative part, which tends to -alpha. */
  readonly alpha: number;

  constructor(options: ELUOptions = {}) {
    super(options);
    this.alpha = options.alpha ?? 1;
    checkFiniteNumber(this.alpha, 'ELU alpha');
  }

  call(input: Tensor): Tensor {
    return elu(input, this.alpha);
  }

  /** The constructor's options: name and alpha. */
  override getConfig(): LayerConfig {
    return { name: this.name, alpha: this.alpha };
  }
}

/**
 * The exact GELU x * Phi(x), Phi the standard normal distribution function (through erf), as in
 * PyTorch's nn.GELU() default and keras.activations.gelu(approximate=False); not the tanh approximation.
 * @example new GELU()
 */
export class GELU extends ActivationLayer {
  readonly className = 'GELU';
  call(input: Tensor): Tensor {
    return gelu(input);
  }
}

/** SiLU, also called Swish: x * sigmoid(x). @example new SiLU() */
export class SiLU extends ActivationLayer {
  readonly className = 'SiLU';
  call(input: Tensor): Tensor {
    return silu(input);
  }
}

/** Options of the Clip layer. */
export interface ClipOptions extends LayerOptions {
  /** Lower bound; default -Infinity (none). */
  min?: number | undefined;
  /** Upper bound; default Infinity (none). */
  max?: number | undefined;
}

/**
 * Each value clamped to [min, max]; either bound may be left out (unbounded). The gradient is 0 at the
 * bounds and outside them (see the clip op). Throws ValueError for a NaN bound or min > max.
 * Configs (and so model files) leave out an infinite bound, which JSON cannot hold.
 *
 * @example
 * new Clip({ min: 0, max: 6 }); // ReLU6, as in MobileNet
 * new Clip({ min: -1, max: 1 }); // PyTorch's Hardtanh
 */
export class Clip extends ActivationLayer {
  readonly className = 'Clip';
  /** The lower bound (-Infinity: none). */
  readonly min: number;
  /** The upper bound (Infinity: none). */
  readonly max: number;

  constructor(options: ClipOptions = {}) {
    super(options);
    this.min = options.min ?? -Infinity;
    this.max = options.max ?? Infinity;
    checkBounds(this.min, this.max, 'Clip');
  }

  call(input: Tensor): Tensor {
    return clip(input, this.min, this.max);
  }

  /** The constructor's options: name and the finite bounds (JSON cannot hold an infinite one). */
  override getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name };
    if (Number.isFinite(this.min)) config.min = this.min;
    if (Number.isFinite(this.max)) config.max = this.max;
    return config;
  }
}

/** Options of the HardSigmoid layer. */
export interface HardSigmoidOptions extends LayerOptions {
  /** Slope; default 0.2 (ONNX HardSigmoid). PyTorch's nn.Hardsigmoid (and MobileNetV3's gates) use 1/6. */
  alpha?: number | undefined;
  /** Offset; default 0.5. */
  beta?: number | undefined;
}

/**
 * max(0, min(1, alpha * x + beta)) elementwise; defaults alpha 0.2, beta 0.5 (ONNX). Throws
 * ValueError for a non-finite alpha or beta.
 *
 * @example
 * new HardSigmoid({ alpha: 1 / 6 }); // PyTorch's nn.Hardsigmoid, the squeeze-and-excitation gate of MobileNetV3
 */
export class HardSigmoid extends ActivationLayer {
  readonly className = 'HardSigmoid';
  /** The slope. */
  readonly alpha: number;
  /** The offset. */
  readonly beta: number;

  constructor(options: HardSigmoidOptions = {}) {
    super(options);
    this.alpha = options.alpha ?? 0.2;
    this.beta = options.beta ?? 0.5;
    checkFiniteNumber(this.alpha, 'HardSigmoid alpha');
    checkFiniteNumber(this.beta, 'HardSigmoid beta');
  }

  call(input: Tensor): Tensor {
    return hardSigmoid(input, this.alpha, this.beta);
  }

  /** The constructor's options: name, alpha and beta. */
  override getConfig(): LayerConfig {
    return { name: this.name, alpha: this.alpha, beta: this.beta };
  }
}

/** x * relu6(x + 3) / 6 elementwise (MobileNetV3; PyTorch's nn.Hardswish, ONNX HardSwish). @example new HardSwish() */
export class HardSwish extends ActivationLayer {
  readonly className = 'HardSwish';
  call(input: Tensor): Tensor {
    return hardSwish(input);
  }
}

/** Options of the Power layer. */
export interface PowerOptions extends LayerOptions {
  /** The constant exponent; 2 squares, 0.5 takes the square root. */
  exponent: number;
}

/**
 * x^exponent elementwise, a constant exponent (ONNX Pow with a constant exponent; Sqrt is exponent
 * 0.5). Throws ValueError for a non-finite exponent.
 *
 * @example
 * new Power({ exponent: 2 }); // squares
 */
export class Power extends ActivationLayer {
  readonly className = 'Power';
  /** The constant exponent. */
  readonly exponent: number;

  constructor(options: PowerOptions) {
    super(options);
    this.exponent = options.exponent;
    checkFiniteNumber(this.exponent, 'Power exponent');
  }

  call(input: Tensor): Tensor {
    return pow(input, this.exponent);
  }

  /** The constructor's options: name and exponent. */
  override getConfig(): LayerConfig {
    return { name: this.name, exponent: this.exponent };
  }
}
