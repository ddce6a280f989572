import type { Page } from '../page.js';
import { element, markReady } from '../ui.js';

export const convolutionPage: Page = {
  id: 'convolution',
  title: 'Convolution',
  mount(root) {
    root.append(element('h1', {}, 'Convolution'));
    markReady(root);
  },
};
