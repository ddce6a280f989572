// Backward rule of MaxPool2D: each gradient goes to the input position that held the maximum.

import { maxPool2dBackprop, type MaxPool2DSaved } from '../../ops/maxPool2d.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<MaxPool2DSaved>('MaxPool2D', (entry, dOut) => [maxPool2dBackprop(dOut, entry.saved)]);
