import type { Page } from '../page.js';
import { element, markReady } from '../ui.js';

export const poolingPage: Page = {
  id: 'pooling',
  title: 'Pooling',
  mount(root) {
    root.append(element('h1', {}, 'Pooling'));
    markReady(root);
  },
};
