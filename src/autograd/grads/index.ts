// Loads every backward rule (each file registers its rules by operation id).

import './conv2d.js';
import './elementwise.js';
import './matMul.js';
import './maxPool2d.js';
import './softmaxCrossEntropy.js';
