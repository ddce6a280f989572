// Chart.js in Node, through the package import '#dependency/chartJs': required on the first chart
// (src/core/dependencies.ts), so importing the library does not load it. The browser twin is a
// static import (src/dependencies/browser/chartJs.ts).

import type * as ChartJs from 'chart.js';
import { dependency } from '../../core/dependencies.js';

export function chartJs(): Pick<typeof ChartJs, 'Chart' | 'registerables'> {
  return dependency('chart.js');
}
