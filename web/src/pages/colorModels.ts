import type { Page } from '../page.js';
import { element, markReady } from '../ui.js';

export const colorModelsPage: Page = {
  id: 'color-models',
  title: 'Color models',
  mount(root) {
    root.append(element('h1', {}, 'Color models'));
    markReady(root);
  },
};
