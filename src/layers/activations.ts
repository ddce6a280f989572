// Activation layers: ReLU (the default in CNNs), and sigmoid and tanh, which saturate and so show the
// vanishing-gradient problem that ReLU avoids.

import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { relu, sigmoid, tanh } from '../ops/activations.js';
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
