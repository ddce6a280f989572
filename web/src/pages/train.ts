import type { Page } from '../page.js';
import { element, markReady } from '../ui.js';

export const trainPage: Page = {
  id: 'train',
  title: 'Train',
  mount(root) {
    root.append(element('h1', {}, 'Train'));
    markReady(root);
  },
};
