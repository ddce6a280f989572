// The explorer's shell: a navigation bar and a hash router (#/convolution, ...), so that the built
// pages are plain static files that `convnet serve` or any static server can serve.

import { backendInfo, ready } from 'convnet-ts';
import './style.css';
import { backendChoice } from './backendChoice.js';
import type { Page } from './page.js';
import { expose } from './ui.js';
import { activationsPage } from './pages/activations.js';
import { colorModelsPage } from './pages/colorModels.js';
import { convolutionPage } from './pages/convolution.js';
import { drawPage } from './pages/draw.js';
import { modelPage } from './pages/model.js';
import { poolingPage } from './pages/pooling.js';
import { teachPage } from './pages/teach.js';
import { trainPage } from './pages/train.js';

const PAGES: readonly Page[] = [
  convolutionPage,
  activationsPage,
  poolingPage,
  colorModelsPage,
  trainPage,
  drawPage,
  modelPage,
  teachPage,
];

const nav = document.getElementById('nav')!;
const root = document.getElementById('page')!;
let unmount: (() => void) | void;

for (const page of PAGES) {
  const link = document.createElement('a');
  link.href = `#/${page.id}`;
  link.textContent = page.title;
  link.dataset.page = page.id;
  nav.append(link);
}

// The fast kernels from the first op on: the page starts the backend before any page draws.
const info = await ready();
document.getElementById('backend')!.textContent =
  info.wasm === null
    ? `reference backend (${info.wasmUnavailableReason ?? 'no WebAssembly SIMD'})`
    : `WebAssembly SIMD${info.wasm.features.relaxedSimd ? ' (relaxed)' : ''}, ${info.wasm.threads} ` +
      `thread${info.wasm.threads === 1 ? '' : 's'}${globalThis.crossOriginIsolated ? '' : ' (no cross-origin isolation)'}`;

// The training workers (Train and Teach pages) train on WebGPU where the browser offers it (a secure
// context with an adapter), unless the address says ?backend=wasm; the other pages compute here, on
// WebAssembly. The line says which, and a small select changes the choice (the page reloads with it).
const choice = backendChoice();
void describeWebGpu().then((adapter) => {
  const training =
    adapter === null ? 'WebAssembly (no WebGPU adapter)' : choice === 'wasm' ? 'WebAssembly' : `WebGPU (${adapter})`;
  document.getElementById('backend')!.textContent += ` · training: ${training}`;
  if (adapter !== null) document.getElementById('backend')!.after(backendSelect());
});

/** The select of the training backend: WebGPU where available, or WebAssembly (`?backend=wasm`). */
function backendSelect(): HTMLSelectElement {
  const select = document.createElement('select');
  select.id = 'backend-choice';
  select.title = 'The backend the Train and Teach pages train on';
  select.setAttribute('aria-label', 'Training backend');
  for (const [value, label] of [
    ['auto', 'train on WebGPU'],
    ['wasm', 'train on WebAssembly'],
  ] as const) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = label;
    select.append(option);
  }
  select.value = choice;
  select.addEventListener('change', () => {
    const url = new URL(location.href);
    if (select.value === 'wasm') url.searchParams.set('backend', 'wasm');
    else url.searchParams.delete('backend');
    location.assign(url);
  });
  return select;
}

/** The name of the browser's WebGPU adapter, or null where there is none (no navigator.gpu, no adapter). */
async function describeWebGpu(): Promise<string | null> {
  type Adapter = { info?: { vendor?: string; architecture?: string; description?: string } };
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  if (gpu === undefined) return null;
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return null;
    const info = adapter.info;
    return [info?.vendor, info?.architecture, info?.description].filter((part) => part).join(' ') || 'unnamed';
  } catch {
    return null;
  }
}

// The backend's figures (its memory's high-water mark among them), for tests and the curious.
expose('backend', { info: backendInfo });

function show(): void {
  const id = location.hash.replace(/^#\/?/, '') || PAGES[0]!.id;
  const page = PAGES.find((candidate) => candidate.id === id) ?? PAGES[0]!;
  if (unmount) unmount();
  root.replaceChildren();
  root.dataset.page = page.id;
  delete root.dataset.ready;
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.dataset.page === page.id);
  document.title = `${page.title} · ConvNet.ts explorer`;
  unmount = page.mount(root);
}

window.addEventListener('hashchange', show);
show();
