// The network overview: every layer in order as a column of its feature maps (or a vector's values),
// its shape and size formula above it, a pager where the layer is wider than one page, the joins of
// residual Adds and Concatenates drawn as arcs over the columns, and the top classes at the end.
// A click on one value calls `onValueClick` with the layer and the position (the drill-down's hook).

import { formatShape } from 'convnet-ts';
import { element } from '../ui.js';
import type { ColumnPage, LayerInfo, LayerResult, ModelDescription, TopClass } from './protocol.js';

/** The value the user clicked: a feature map's (channel, row, column), or a vector's index. */
export type ValueSelection =
  | { layerIndex: number; kind: 'maps'; channel: number; row: number; column: number }
  | { layerIndex: number; kind: 'values'; index: number };

export interface OverviewHandlers {
  /** Asks for another page of a column; resolves with it (null when it was dropped). */
  requestPage(layerIndex: number, page: number): Promise<ColumnPage | null>;
  onValueClick(selection: ValueSelection): void;
}

/** Screen pixels a map tile is drawn at, whatever its size (CSS scales it, pixelated). */
const TILE_WIDTH = 84;
/** Screen pixels per value of a vector's strip: short vectors (10 classes) get tall cells, long ones thin. */
const STRIP_HEIGHT = 320;
const VALUE_HEIGHT_RANGE = [5, 24] as const;
const ARC_BAND = 34;

/** Which value of `page` a click at (x, y), as fractions of the canvas, fell on; null on a gap. */
export function selectionAt(page: ColumnPage, x: number, y: number): ValueSelection | null {
  const pixelY = Math.min(page.height - 1, Math.max(0, Math.floor(y * page.height)));
  const pixelX = Math.min(page.width - 1, Math.max(0, Math.floor(x * page.width)));
  if (page.kind === 'values') return { layerIndex: page.layerIndex, kind: 'values', index: page.first + pixelY };
  const tile = Math.floor(pixelY / (page.tileHeight + page.gap));
  const row = pixelY - tile * (page.tileHeight + page.gap);
  if (row >= page.tileHeight || tile >= page.tiles) return null;
  return {
    layerIndex: page.layerIndex,
    kind: 'maps',
    channel: page.first + tile,
    row: Math.floor(row / page.scale),
    column: Math.floor(pixelX / page.scale),
  };
}

/**
 * Outlines the selected value (one marker in the whole overview); `xScale` and `yScale` are screen pixels per canvas
 * pixel.
 */
function placeMarker(
  marker: HTMLElement,
  page: ColumnPage,
  selection: ValueSelection,
  xScale: number,
  yScale: number,
): void {
  for (const other of document.querySelectorAll<HTMLElement>('.model-marker')) other.hidden = true;
  const top =
    selection.kind === 'maps'
      ? (selection.channel - page.first) * (page.tileHeight + page.gap) + selection.row * page.scale
      : selection.index - page.first;
  const left = selection.kind === 'maps' ? selection.column * page.scale : 0;
  const width = selection.kind === 'maps' ? page.scale : page.width;
  const height = selection.kind === 'maps' ? page.scale : 1;
  Object.assign(marker.style, {
    left: `${left * xScale}px`,
    top: `${top * yScale}px`,
    width: `${width * xScale}px`,
    height: `${height * yScale}px`,
  });
  marker.hidden = false;
}

function drawPage(canvas: HTMLCanvasElement, page: ColumnPage): void {
  canvas.width = page.width;
  canvas.height = page.height;
  const displayWidth = page.kind === 'maps' ? TILE_WIDTH : 26;
  const valueHeight = Math.min(
    VALUE_HEIGHT_RANGE[1],
    Math.max(VALUE_HEIGHT_RANGE[0], Math.floor(STRIP_HEIGHT / page.height)),
  );
  const displayHeight = page.kind === 'maps' ? (page.height * TILE_WIDTH) / page.width : page.height * valueHeight;
  canvas.style.width = `${displayWidth}px`;
  canvas.style.height = `${Math.round(displayHeight)}px`;
  canvas.getContext('2d')!.putImageData(new ImageData(page.rgba, page.width, page.height), 0, 0);
}

function pageLabel(layer: LayerInfo, page: ColumnPage): string {
  const total =
    page.kind === 'maps' ? layer.outputShape[2]! : layer.outputShape.reduce((product, size) => product * size, 1);
  return `${page.first + 1}\u2013${page.first + page.tiles} of ${total.toLocaleString('en')}`;
}

function column(layer: LayerInfo, result: LayerResult, handlers: OverviewHandlers): HTMLElement {
  const canvas = element('canvas', { class: 'model-maps', 'data-layer': String(layer.index) });
  let page = result.column;
  drawPage(canvas, page);
  const marker = element('div', { class: 'model-marker', hidden: '' });
  canvas.addEventListener('click', (event) => {
    const bounds = canvas.getBoundingClientRect();
    const selection = selectionAt(
      page,
      (event.clientX - bounds.left) / bounds.width,
      (event.clientY - bounds.top) / bounds.height,
    );
    if (selection === null) return;
    placeMarker(marker, page, selection, bounds.width / page.width, bounds.height / page.height);
    handlers.onValueClick(selection);
  });
  const label = element('span', { class: 'model-page-label' }, pageLabel(layer, page));
  const previous = element(
    'button',
    { class: 'secondary model-pager-button', 'aria-label': `previous page of ${layer.name}` },
    '\u2039',
  );
  const next = element(
    'button',
    { class: 'secondary model-pager-button', 'aria-label': `next page of ${layer.name}` },
    '\u203a',
  );
  const update = () => {
    previous.disabled = page.page === 0;
    next.disabled = page.page >= page.pageCount - 1;
    label.textContent = pageLabel(layer, page);
  };
  const turn = async (step: number) => {
    const wanted = page.page + step;
    if (wanted < 0 || wanted >= page.pageCount) return;
    previous.disabled = true;
    next.disabled = true;
    const arrived = await handlers.requestPage(layer.index, wanted);
    if (arrived !== null) {
      page = arrived;
      drawPage(canvas, page);
      marker.hidden = true;
    }
    update();
  };
  previous.addEventListener('click', () => void turn(-1));
  next.addEventListener('click', () => void turn(1));
  update();
  const pager =
    page.pageCount > 1
      ? element('div', { class: 'model-pager' }, previous, label, next)
      : element('div', { class: 'model-pager' }, label);
  const range = `${result.isSigned ? '\u00b1' : '0\u2013'}${result.range.toPrecision(3)}`;
  return element(
    'div',
    { class: 'model-column', 'data-layer': String(layer.index), title: `${layer.name} (${layer.className})` },
    element(
      'div',
      { class: 'model-column-head' },
      element('strong', {}, `${layer.index} ${layer.className}`),
      element('span', { class: 'model-detail' }, layer.detail === layer.className ? layer.name : layer.detail),
      element('span', { class: 'mono' }, formatShape(layer.outputShape)),
      ...(layer.formula === null ? [] : [element('span', { class: 'mono model-formula' }, layer.formula)]),
      element('span', { class: 'model-range' }, `range ${range}`),
    ),
    pager,
    element('div', { class: 'model-maps-frame' }, canvas, marker),
  );
}

function classesColumn(top: readonly TopClass[], description: ModelDescription): HTMLElement {
  const list = element('ol', { class: 'model-top', id: 'model-top' });
  for (const entry of top) {
    const bar = element('span', { class: 'model-bar' });
    bar.style.width = `${Math.max(1, entry.probability * 100)}%`;
    list.append(
      element(
        'li',
        {},
        element('span', { class: 'model-class' }, entry.name),
        element('span', { class: 'mono' }, `${(entry.probability * 100).toFixed(1)}%`),
        bar,
      ),
    );
  }
  const how = description.output === 'logits' ? 'softmax of the last layer\u2019s logits' : 'the model\u2019s softmax';
  return element(
    'div',
    { class: 'model-column model-classes' },
    element(
      'div',
      { class: 'model-column-head' },
      element('strong', {}, 'Top classes'),
      element('span', { class: 'model-detail' }, how),
      element('span', { class: 'model-detail' }, `names: ${description.classNamesSource}`),
    ),
    list,
  );
}

/** Arcs from each input that is not the layer just before to the layer that joins it. */
function drawJoins(track: HTMLElement, layers: readonly LayerInfo[]): void {
  const columns = new Map<number, HTMLElement>();
  for (const node of track.querySelectorAll<HTMLElement>('.model-column[data-layer]'))
    columns.set(Number(node.dataset.layer), node);
  const svgNamespace = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNamespace, 'svg');
  svg.setAttribute('class', 'model-joins');
  svg.setAttribute('width', String(track.scrollWidth));
  svg.setAttribute('height', String(ARC_BAND));
  const centerOf = (node: HTMLElement) => node.offsetLeft + node.offsetWidth / 2;
  for (const layer of layers) {
    const target = columns.get(layer.index);
    const joins = layer.inputs.filter((input) => input !== layer.index - 1);
    if (target === undefined || joins.length === 0) continue;
    for (const input of joins) {
      const source = columns.get(input);
      if (source === undefined) continue;
      const x1 = centerOf(source);
      const x2 = centerOf(target);
      const path = document.createElementNS(svgNamespace, 'path');
      path.setAttribute('d', `M ${x1} ${ARC_BAND} C ${x1} 2, ${x2} 2, ${x2} ${ARC_BAND}`);
      path.setAttribute('class', layer.className === 'Concatenate' ? 'model-join concat' : 'model-join');
      path.dataset.from = String(input);
      path.dataset.to = String(layer.index);
      svg.append(path);
    }
  }
  track.querySelector('svg.model-joins')?.remove();
  track.prepend(svg);
}

/** Columns placed per frame: a whole ResNet-50 (170 columns) at once would hold one frame for long. */
const COLUMNS_PER_FRAME = 8;

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/**
 * Builds the overview into `container` (replacing what was there), a few columns a frame; resolves
 * once every column and join is drawn. `isCurrent` says false when a newer overview has begun: this one stops.
 */
export async function renderOverview(
  container: HTMLElement,
  description: ModelDescription,
  results: readonly LayerResult[],
  top: readonly TopClass[],
  handlers: OverviewHandlers,
  isCurrent: () => boolean = () => true,
): Promise<void> {
  const track = element('div', { class: 'model-track', id: 'model-track' });
  container.replaceChildren(track);
  for (let start = 0; start < results.length; start += COLUMNS_PER_FRAME) {
    for (const result of results.slice(start, start + COLUMNS_PER_FRAME))
      track.append(column(description.layers[result.layerIndex]!, result, handlers));
    await nextFrame();
    if (!isCurrent()) return;
  }
  track.append(classesColumn(top, description));
  drawJoins(track, description.layers);
}
