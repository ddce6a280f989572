import type { Page } from '../page.js';
import { element, markReady } from '../ui.js';

export const drawPage: Page = {
  id: 'draw',
  title: 'Draw',
  mount(root) {
    root.append(element('h1', {}, 'Draw'));
    markReady(root);
  },
};
