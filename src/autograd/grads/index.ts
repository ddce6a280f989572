// Loads every backward rule (each file registers its rules by operation id).

import './avgPool2d.js';
import './batchNorm.js';
import './broadcast.js';
import './channelOps.js';
import './conv2d.js';
import './conv2dTranspose.js';
import './dropout.js';
import './elementwise.js';
import './layerNorm.js';
import './matMul.js';
import './resize2d.js';
import './maxPool2d.js';
import './softmaxCrossEntropy.js';
import './zeroPad2d.js';
