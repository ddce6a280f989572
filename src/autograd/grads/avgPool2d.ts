// Backward rule of AvgPool2D: each output's gradient is shared evenly by the valid positions of its window.

import type { Pool2DParams } from '../../kernels/params.js';
import { avgPool2dBackprop } from '../../ops/avgPool2d.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<Pool2DParams>('AvgPool2D', (entry, dOut) => [avgPool2dBackprop(dOut, entry.saved)]);
