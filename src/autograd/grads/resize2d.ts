// Backward rule of Resize2D: dOut scattered back with the interpolation weights (kernels/js/resize2d.ts).

import type { Resize2DParams } from '../../kernels/params.js';
import { resize2dBackprop } from '../../ops/resize2d.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<Resize2DParams>('Resize2D', (entry, dOut) => [resize2dBackprop(dOut, entry.saved)]);
