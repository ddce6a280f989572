// Backward rule of Dropout: y = x * mask / (1 - rate), so dInput = dOut * mask / (1 - rate), which is
// the dropout kernel applied to dOut with the same seed.

import type { DropoutParams } from '../../kernels/params.js';
import { dropoutBackprop } from '../../ops/dropout.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<DropoutParams>('Dropout', (entry, dOut) => [dropoutBackprop(dOut, entry.saved)]);
