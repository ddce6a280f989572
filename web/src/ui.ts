// Small DOM helpers shared by the pages: elements, labelled controls, and images drawn into canvases
// pixel for pixel (nearest-neighbour scaling, so a 28x28 digit stays crisp at 10x).

import { imageToImageData, type Image } from 'convnet-ts';

type Child = Node | string;

/** An element with attributes (class, title, data-*, ...) and children. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A labelled range input showing its value; `onInput` gets the number. */
export function slider(label: string, options: { min: number; max: number; step?: number; value: number; id?: string }, onInput: (value: number) => void): { root: HTMLLabelElement; input: HTMLInputElement } {
  const input = element('input', { type: 'range', min: String(options.min), max: String(options.max), step: String(options.step ?? 1), value: String(options.value) });
  if (options.id !== undefined) input.id = options.id;
  const shown = element('output', {}, String(options.value));
  input.addEventListener('input', () => {
    shown.textContent = input.value;
    onInput(Number(input.value));
  });
  return { root: element('label', { class: 'control' }, `${label} `, input, shown), input };
}

/** A labelled select; `onChange` gets the chosen value. */
export function choice(label: string, options: readonly { value: string; text: string }[], value: string, onChange: (value: string) => void, id?: string): { root: HTMLLabelElement; select: HTMLSelectElement } {
  const select = element('select');
  if (id !== undefined) select.id = id;
  for (const option of options) select.append(element('option', { value: option.value }, option.text));
  select.value = value;
  select.addEventListener('change', () => onChange(select.value));
  return { root: element('label', { class: 'control' }, `${label} `, select), select };
}

/** A canvas showing `image` at `scale` screen pixels per image pixel. */
export function imageCanvas(image: Image, scale = 1, attributes: Record<string, string> = {}): HTMLCanvasElement {
  const canvas = element('canvas', { class: 'pixels', ...attributes });
  drawImage(canvas, image, scale);
  return canvas;
}

/** Redraws `canvas` with `image` at `scale` (the canvas holds the image's own pixels; CSS scales it). */
export function drawImage(canvas: HTMLCanvasElement, image: Image, scale = 1): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.style.width = `${image.width * scale}px`;
  canvas.style.height = `${image.height * scale}px`;
  canvas.getContext('2d')!.putImageData(imageToImageData(image) as ImageData, 0, 0);
}

/** A section with a heading and a short explanation. */
export function section(title: string, explanation: string, ...children: Child[]): HTMLElement {
  return element('section', { class: 'card' }, element('h2', {}, title), element('p', { class: 'explain' }, explanation), ...children);
}

declare global {
  interface Window {
    /** What each page shows, in numbers, for the end-to-end tests (and the curious, in the console). */
    explorer?: Record<string, unknown>;
  }
}

/** Publishes a page's current numbers under window.explorer[pageId]. */
export function expose(pageId: string, state: unknown): void {
  window.explorer ??= {};
  window.explorer[pageId] = state;
}

/** Marks the page as rendered (data-ready on #page), for tests and screenshots. */
export function markReady(root: HTMLElement): void {
  root.dataset['ready'] = 'true';
}
