// Small DOM helpers shared by the pages: elements, labelled controls, and images drawn into canvases
// pixel for pixel (nearest-neighbour scaling, so a 28x28 digit stays crisp at 10x).

import { imageToImageData, type Image } from 'convnet-ts';

type Child = Node | string;

/** An element with attributes (class, title, data-*, ...) and children. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/**
 * A labelled range input showing its value; `onInput` gets the number. `set` moves it from code
 * (without calling `onInput`); `format` writes the value shown beside it.
 */
export function slider(
  label: string,
  options: { min: number; max: number; step?: number; value: number; id?: string; format?: (value: number) => string },
  onInput: (value: number) => void,
): { root: HTMLLabelElement; input: HTMLInputElement; set(value: number): void } {
  const format = options.format ?? String;
  const input = element('input', {
    type: 'range',
    min: String(options.min),
    max: String(options.max),
    step: String(options.step ?? 1),
    value: String(options.value),
  });
  if (options.id !== undefined) input.id = options.id;
  const shown = element('output', {}, format(options.value));
  input.addEventListener('input', () => {
    shown.textContent = format(Number(input.value));
    onInput(Number(input.value));
  });
  return {
    root: element('label', { class: 'control' }, `${label} `, input, shown),
    input,
    set(value) {
      input.value = String(value);
      shown.textContent = format(value);
    },
  };
}

/** A labelled select; `onChange` gets the chosen value. */
export function choice(
  label: string,
  options: readonly { value: string; text: string }[],
  value: string,
  onChange: (value: string) => void,
  id?: string,
): { root: HTMLLabelElement; select: HTMLSelectElement } {
  const select = element('select');
  if (id !== undefined) select.id = id;
  for (const option of options) select.append(element('option', { value: option.value }, option.text));
  select.value = value;
  select.addEventListener('change', () => onChange(select.value));
  return { root: element('label', { class: 'control' }, `${label} `, select), select };
}

/**
 * Makes `zone` take dropped files: highlighted (class is-over) while something is dragged over it,
 * and `onFiles` called with what is dropped.
 */
export function acceptDroppedFiles(zone: HTMLElement, onFiles: (files: File[]) => void): void {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('is-over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('is-over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('is-over');
    onFiles([...(event.dataTransfer?.files ?? [])]);
  });
}

/** The text of anything thrown, for an error line in the page. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A canvas showing `image` at `scale` screen pixels per image pixel. */
export function imageCanvas(image: Image, scale = 1, attributes: Record<string, string> = {}): HTMLCanvasElement {
  const canvas = element('canvas', { class: 'pixels', ...attributes });
  drawImage(canvas, image, scale);
  return canvas;
}

/**
 * Redraws `canvas` with `image` at `scale` (the canvas holds the image's own pixels; CSS scales it).
 * Only the width is set: on a narrow screen CSS may shrink it, and the height follows the aspect ratio.
 */
export function drawImage(canvas: HTMLCanvasElement, image: Image, scale = 1): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.style.width = `${image.width * scale}px`;
  canvas.getContext('2d')!.putImageData(imageToImageData(image) as ImageData, 0, 0);
}

/** A section with a heading and a short explanation. */
export function section(title: string, explanation: string, ...children: Child[]): HTMLElement {
  return element(
    'section',
    { class: 'card' },
    element('h2', {}, title),
    element('p', { class: 'explain' }, explanation),
    ...children,
  );
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
  root.dataset.ready = 'true';
}
