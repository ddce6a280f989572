// "Why this class": Grad-CAM (the library's gradCam, run in the Model page's worker) for any class —
// the top ones by a click, any other by name or index — on the layer the user picks among the model's
// gradCamLayers (default the last: the block output where the maps end, after any residual Add).
// The heat is drawn twice: over the picture as the model sees it, and at the layer's own resolution.

import { heatMap } from 'convnet-ts';
import { element } from '../ui.js';
import type { ModelSession } from './modelSession.js';
import type { FromModelWorker, ModelDescription, TopClass } from './protocol.js';

/** What the panel shows, for the end-to-end tests (window.explorer.model.gradCam). */
export interface GradCamState {
  phase: 'idle' | 'computing' | 'done' | 'error';
  classIndex: number | null;
  layerName: string | null;
  /** The heat at the layer's resolution, row by row, in [0, 1]. */
  width: number;
  height: number;
  heat: number[];
  ms: number | null;
  error: string | null;
}

/** The class the user typed: an index, a name (any case), or the one name that contains the text. */
export function classFromText(text: string, names: readonly string[]): number {
  const wanted = text.trim();
  if (/^\d+$/.test(wanted)) {
    const index = Number(wanted);
    if (index >= names.length)
      throw new RangeError(`there is no class ${index}: the model has ${names.length} (0\u2013${names.length - 1})`);
    return index;
  }
  const lower = wanted.toLowerCase();
  if (lower === '') throw new RangeError('type a class name or index');
  const exact = names.findIndex((name) => name.toLowerCase() === lower);
  if (exact >= 0) return exact;
  const partial = names.flatMap((name, index) => (name.toLowerCase().includes(lower) ? [index] : []));
  if (partial.length === 1) return partial[0]!;
  if (partial.length === 0) throw new RangeError(`no class is named \u201c${wanted}\u201d`);
  throw new RangeError(
    `\u201c${wanted}\u201d names ${partial.length} classes (${partial
      .slice(0, 4)
      .map((index) => names[index])
      .join(', ')}\u2026): type more of the name, or its index`,
  );
}

export interface WhyThisClass {
  root: HTMLElement;
  state: GradCamState;
  /** A new model: its classes and layers fill the controls; the panel empties. */
  setModel(model: ModelDescription | null): void;
  /** A new picture ran: the buttons of its top classes, and the top class explained on the chosen layer. */
  setTop(top: readonly TopClass[]): void;
  /** Grad-CAM of `classIndex` on the chosen layer (or `layerName`). */
  show(classIndex: number, layerName?: string): Promise<void>;
  /** Shows a progress report of the panel's own request in its status line; false for any other request's. */
  takeProgress(message: Extract<FromModelWorker, { type: 'progress' }>): boolean;
}

export function whyThisClass(session: ModelSession): WhyThisClass {
  const state: GradCamState = {
    phase: 'idle',
    classIndex: null,
    layerName: null,
    width: 0,
    height: 0,
    heat: [],
    ms: null,
    error: null,
  };
  let model: ModelDescription | null = null;
  let token = 0;
  /** The worker requests of this panel not answered yet: their progress goes to the panel, not the page's bar. */
  const requestIds = new Set<number>();
  /** The newest of them, whose progress the status line shows. */
  let requestId = -1;

  const topButtons = element('div', { class: 'controls model-cam-top', id: 'model-cam-top' });
  const names = element('datalist', { id: 'model-cam-names' });
  const classInput = element('input', {
    type: 'text',
    id: 'model-cam-class',
    list: 'model-cam-names',
    size: '14',
    placeholder: 'name or index',
  });
  const showButton = element('button', { class: 'secondary', id: 'model-cam-show' }, 'Show');
  const layerSelect = element('select', { id: 'model-cam-layer' });
  const status = element('p', { class: 'model-cam-status', id: 'model-cam-status', role: 'status' });
  const overlay = element('canvas', {
    class: 'pixels model-cam-overlay',
    id: 'model-cam-overlay',
    width: '1',
    height: '1',
  });
  const overlayCaption = element('figcaption', {}, 'over the picture as the model sees it');
  const heat = element('canvas', { class: 'pixels model-cam-heat', id: 'model-cam-heat', width: '1', height: '1' });
  const heatCaption = element('figcaption', {}, 'at the layer\u2019s resolution');
  const pictures = element(
    'div',
    { class: 'row model-cam-pictures', hidden: '' },
    element('figure', {}, overlay, overlayCaption),
    element('figure', {}, heat, heatCaption),
  );

  const fromText = () => {
    if (model === null) return;
    try {
      void show(classFromText(classInput.value, model.classNames));
    } catch (caught) {
      fail(caught instanceof Error ? caught.message : String(caught));
    }
  };
  showButton.addEventListener('click', fromText);
  classInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') fromText();
  });
  layerSelect.addEventListener('change', () => {
    if (state.classIndex !== null) void show(state.classIndex);
  });

  const root = element(
    'div',
    { class: 'model-cam', id: 'model-cam' },
    element(
      'p',
      { class: 'explain' },
      'Grad-CAM: the gradient of the class\u2019s score (its logit) with respect to a layer\u2019s maps, ' +
        'averaged over each map, weighs that map; their weighted sum, negatives cut, is where the evidence ' +
        'lies. Red to white: more evidence.',
    ),
    topButtons,
    element(
      'div',
      { class: 'controls' },
      element('label', { class: 'control' }, 'Any class ', classInput),
      names,
      showButton,
      element('label', { class: 'control' }, 'Layer ', layerSelect),
    ),
    status,
    pictures,
  );

  function fail(message: string): void {
    state.phase = 'error';
    state.error = message;
    status.textContent = message;
    status.classList.add('error');
  }

  function setModel(next: ModelDescription | null): void {
    model = next;
    token++;
    Object.assign(state, {
      phase: 'idle',
      classIndex: null,
      layerName: null,
      width: 0,
      height: 0,
      heat: [],
      ms: null,
      error: null,
    });
    pictures.hidden = true;
    status.textContent = '';
    topButtons.replaceChildren();
    names.replaceChildren(
      ...(next?.classNames ?? []).map((name, index) => element('option', { value: name }, String(index))),
    );
    const layers = next?.gradCamLayers ?? [];
    layerSelect.replaceChildren(
      ...layers.map((layer) =>
        element(
          'option',
          { value: layer.name },
          `${layer.index}: ${layer.name} (${layer.className}, ${layer.shape.join('\u00d7')})`,
        ),
      ),
    );
    // The last: the maps just before global pooling, after the last block's Add where it has one.
    layerSelect.value = layers[layers.length - 1]?.name ?? '';
    layerSelect.disabled = classInput.disabled = showButton.disabled = layers.length === 0;
    if (next !== null && layers.length === 0)
      status.textContent =
        'This model has no feature maps larger than 1\u00d71 before its classes: Grad-CAM has nothing to weigh.';
  }

  function setTop(top: readonly TopClass[]): void {
    topButtons.replaceChildren(
      ...top.map((entry, rank) => {
        const button = element(
          'button',
          { class: 'secondary', id: `model-cam-top-${rank}`, 'data-class': String(entry.index) },
          `${entry.name} ${(entry.probability * 100).toFixed(1)}%`,
        );
        button.addEventListener('click', () => void show(entry.index));
        return button;
      }),
    );
    if (top[0] !== undefined && layerSelect.value !== '') void show(top[0].index);
  }

  async function show(classIndex: number, layerName?: string): Promise<void> {
    if (model === null) return;
    if (layerName !== undefined) layerSelect.value = layerName;
    const layer = layerSelect.value;
    const mine = ++token;
    Object.assign(state, { phase: 'computing', classIndex, layerName: layer, error: null });
    status.classList.remove('error');
    const className = model.classNames[classIndex] ?? String(classIndex);
    status.textContent = `Computing Grad-CAM of \u201c${className}\u201d on ${layer}\u2026`;
    for (const button of topButtons.querySelectorAll<HTMLButtonElement>('button'))
      button.setAttribute('aria-pressed', String(button.dataset.class === String(classIndex)));
    let reply: Extract<FromModelWorker, { type: 'gradCam' }>;
    try {
      const pending = session.request<'gradCam'>({ type: 'gradCam', classIndex, layerName: layer });
      const id = session.latestId;
      requestId = id;
      requestIds.add(id);
      // The worker reports a request's progress before its reply: the id is no longer needed after it.
      reply = await pending.finally(() => requestIds.delete(id));
    } catch (caught) {
      if (mine === token) fail(`Grad-CAM: ${caught instanceof Error ? caught.message : String(caught)}`);
      return;
    }
    if (mine !== token) return;
    draw(overlay, reply.overlay.width, reply.overlay.height, reply.overlay.rgba);
    draw(heat, reply.heat.width, reply.heat.height, heatPixels(reply.heat.values));
    overlayCaption.textContent =
      `\u201c${className}\u201d over the picture as the model sees it ` +
      `(${reply.overlay.height}\u00d7${reply.overlay.width})`;
    heatCaption.textContent = `at ${reply.layerName}\u2019s resolution (${reply.heat.height}\u00d7${reply.heat.width})`;
    pictures.hidden = false;
    status.textContent =
      `Where the evidence for \u201c${className}\u201d (class ${reply.classIndex}) lies, ` +
      `weighed on ${reply.layerName}: ${reply.ms.toFixed(0)} ms.`;
    Object.assign(state, {
      phase: 'done',
      classIndex: reply.classIndex,
      layerName: reply.layerName,
      width: reply.heat.width,
      height: reply.heat.height,
      heat: Array.from(reply.heat.values),
      ms: reply.ms,
    });
  }

  function takeProgress(message: Extract<FromModelWorker, { type: 'progress' }>): boolean {
    if (!requestIds.has(message.id)) return false;
    if (message.id === requestId && state.phase === 'computing') status.textContent = `${message.text}\u2026`;
    return true;
  }

  return { root, state, setModel, setTop, show, takeProgress };
}

function draw(canvas: HTMLCanvasElement, width: number, height: number, rgba: Uint8ClampedArray<ArrayBuffer>): void {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
}

/**
 * The heat in [0, 1] in the overlay's colors (black, red, yellow, white: the most evidence), one pixel per map
 * position.
 */
function heatPixels(values: Float32Array): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(values.length * 4);
  const rgb = new Float32Array(3);
  for (let position = 0; position < values.length; position++) {
    heatMap(values[position]!, rgb, 0);
    rgba.set([rgb[0]! * 255, rgb[1]! * 255, rgb[2]! * 255, 255], position * 4);
  }
  return rgba;
}
