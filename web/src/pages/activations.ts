import type { Page } from '../page.js';
import { element, markReady } from '../ui.js';

export const activationsPage: Page = {
  id: 'activations',
  title: 'Activations',
  mount(root) {
    root.append(element('h1', {}, 'Activations'));
    markReady(root);
  },
};
