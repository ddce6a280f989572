// Chart.js in a bundle (the "browser" condition of '#dependency/chartJs'): a static import a bundler
// keeps only in apps that draw a chart (about 200 KB minified). Node requires it on the first chart.

import { Chart, registerables } from 'chart.js';
import type * as ChartJs from 'chart.js';

export function chartJs(): Pick<typeof ChartJs, 'Chart' | 'registerables'> {
  return { Chart, registerables };
}
