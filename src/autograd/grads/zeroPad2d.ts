// Backward rule of ZeroPad2D: the gradient of the input is dOut with the padded border cropped off.

import type { ZeroPad2DParams } from '../../kernels/params.js';
import { zeroPad2dBackprop } from '../../ops/zeroPad2d.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<ZeroPad2DParams>('ZeroPad2D', (entry, dOut) => [zeroPad2dBackprop(dOut, entry.saved)]);
