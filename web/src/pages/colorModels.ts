// The Color models page: an image split into its channels in RGB, HSV, CMYK and gray, side by side,
// each channel its own picture, all converted by the toolkit (decodeImage, convertImage); hovering a
// pixel shows its values in every model. The formulas live in the library (src/image/colorModels.ts).
// Files are decoded in a worker (colorModels/imageDecoder.ts), so a large photo does not freeze the page.
// Limits: images larger than MAX_SIDE are shrunk (area averaging, in the worker) before they are split.

import { convertImage, imageFromPixels, type ColorModel, type Image } from 'convnet-ts';
import { ImageDecoder, type DecodedImage } from '../colorModels/imageDecoder.js';
import palettePicture from '../assets/color-models/palette.png';
import rosePicture from '../assets/color-models/rose.jpg';
import wizardPicture from '../assets/color-models/wizard.jpg';
import type { Page } from '../page.js';
import { acceptDroppedFiles, choice, drawImage, element, errorMessage, expose, markReady, section } from '../ui.js';

const BUILT_IN = [
  { value: 'rose', text: 'Rose (photo, JPEG)', url: rosePicture, file: 'rose.jpg' },
  { value: 'palette', text: '216 web colors (PNG)', url: palettePicture, file: 'palette.png' },
  { value: 'wizard', text: 'Wizard (drawing, JPEG)', url: wizardPicture, file: 'wizard.jpg' },
] as const;

/** Longest side an image is split at; larger ones are shrunk first, so 12 channel pictures stay quick. */
const MAX_SIDE = 256;
/** Screen size of the longest side of each channel picture, in CSS pixels. */
const CHANNEL_SIDE = 170;
const ORIGINAL_SIDE = 300;

type SplitModel = 'rgb' | 'hsv' | 'cmyk' | 'gray';
const SPLIT_MODELS: readonly SplitModel[] = ['rgb', 'hsv', 'cmyk', 'gray'];

interface ChannelInfo {
  label: string;
  name: string;
  /**
   * Pixels in the channel's own model that show what the channel contributes on its own, to be
   * converted to RGB by the toolkit: a red light, a cyan ink on white paper, the pure hue.
   */
  tint(value: number, pixel: readonly number[]): number[];
}

const MODELS: Record<SplitModel, { title: string; explain: string; channels: ChannelInfo[] }> = {
  rgb: {
    title: 'RGB',
    explain: 'Light added together, as a screen emits it and a camera records it. What a CNN usually reads.',
    channels: [
      { label: 'R', name: 'red', tint: (value) => [value, 0, 0] },
      { label: 'G', name: 'green', tint: (value) => [0, value, 0] },
      { label: 'B', name: 'blue', tint: (value) => [0, 0, value] },
    ],
  },
  hsv: {
    title: 'HSV',
    explain:
      'Hue (which color, an angle: 0 and 1 are both red), saturation (how far from gray) and value (the ' +
      'largest of R, G, B). ' +
      'Where S is 0 the hue is undefined and the toolkit sets it to 0.',
    channels: [
      { label: 'H', name: 'hue', tint: (value) => [value, 1, 1] },
      { label: 'S', name: 'saturation', tint: (value, pixel) => [pixel[0]!, value, 1] },
      { label: 'V', name: 'value', tint: (value) => [0, 0, value] },
    ],
  },
  cmyk: {
    title: 'CMYK',
    explain:
      'Inks taken away from white paper, as a printer lays them down: K = 1 − max(R, G, B) is the black ' +
      'ink, and C, M, Y ' +
      'the cyan, magenta and yellow left to add, relative to 1 − K.',
    channels: [
      { label: 'C', name: 'cyan', tint: (value) => [value, 0, 0, 0] },
      { label: 'M', name: 'magenta', tint: (value) => [0, value, 0, 0] },
      { label: 'Y', name: 'yellow', tint: (value) => [0, 0, value, 0] },
      { label: 'K', name: 'black', tint: (value) => [0, 0, 0, value] },
    ],
  },
  gray: {
    title: 'Gray',
    explain:
      'Luma, Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, as JPEG): green counts most because the eye is ' +
      'most sensitive to it.',
    channels: [{ label: 'gray', name: 'luma', tint: (value) => [value] }],
  },
};

interface Split {
  /** The image as decoded (its own color model) and as shown (after shrinking, if it was). */
  decoded: { width: number; height: number; colorModel: ColorModel };
  source: Image;
  models: Record<SplitModel, Image>;
  /** The mean of every channel over the whole image, per model (what the tests compare in full). */
  channelMeans: Record<SplitModel, number[]>;
  /** The alpha channel (opacity, 1 = opaque) of an image that has one, as a gray image; null otherwise. */
  alpha: Image | null;
  name: string;
}

function channelOf(image: Image, channel: number, channels: number): Float32Array {
  const values = new Float32Array(image.width * image.height);
  for (let pixel = 0; pixel < values.length; pixel++) values[pixel] = image.data[pixel * channels + channel]!;
  return values;
}

/** The channel as a picture: its value as brightness (white = 1), or tinted by what it contributes. */
function channelPicture(image: Image, model: SplitModel, channel: number, isTinted: boolean): Image {
  const channels = MODELS[model].channels.length;
  const values = channelOf(image, channel, channels);
  if (!isTinted) return imageFromPixels(values, image.width, image.height, 'gray');
  const info = MODELS[model].channels[channel]!;
  const tinted = new Float32Array(image.width * image.height * channels);
  for (let pixel = 0; pixel < values.length; pixel++) {
    const own = image.data.subarray(pixel * channels, (pixel + 1) * channels);
    tinted.set(info.tint(values[pixel]!, Array.from(own)), pixel * channels);
  }
  return convertImage({ width: image.width, height: image.height, colorModel: model, data: tinted }, 'rgb');
}

/** The decoded (and shrunk) image converted to every model with the toolkit. */
function split({ decoded, source }: DecodedImage, name: string): Split {
  const models = Object.fromEntries(SPLIT_MODELS.map((model) => [model, convertImage(source, model)])) as Record<
    SplitModel,
    Image
  >;
  const channelMeans = Object.fromEntries(
    SPLIT_MODELS.map((model) => [model, meansOf(models[model], MODELS[model].channels.length)]),
  ) as Record<SplitModel, number[]>;
  // The color models hold no opacity: the picture is composited over white for them, and its alpha kept here.
  const alpha =
    source.colorModel === 'rgba' ? imageFromPixels(channelOf(source, 3, 4), source.width, source.height, 'gray') : null;
  return { decoded, source, models, channelMeans, alpha, name };
}

function meansOf(image: Image, channels: number): number[] {
  const sums = new Array<number>(channels).fill(0);
  image.data.forEach((value, index) => {
    sums[index % channels]! += value;
  });
  return sums.map((sum) => sum / (image.width * image.height));
}

function pixelOf(image: Image, x: number, y: number): number[] {
  const channels = image.data.length / (image.width * image.height);
  const start = (y * image.width + x) * channels;
  return Array.from(image.data.subarray(start, start + channels));
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** How a channel value reads to a person: hue as an angle, 8-bit levels for RGB and gray, percentages otherwise. */
function humanValue(model: SplitModel, channel: number, value: number): string {
  if (model === 'hsv' && channel === 0) return `${(value * 360).toFixed(1)}°`;
  if (model === 'rgb' || model === 'gray') return `${Math.round(value * 255)}`;
  return percent(value);
}

/** A few fixed pixels (a 3 x 3 grid inside the image) for the tests. */
function samplePositions(width: number, height: number): { x: number; y: number }[] {
  const positions: { x: number; y: number }[] = [];
  for (const fractionY of [1 / 6, 1 / 2, 5 / 6]) {
    for (const fractionX of [1 / 6, 1 / 2, 5 / 6])
      positions.push({ x: Math.floor(width * fractionX), y: Math.floor(height * fractionY) });
  }
  return positions;
}

export const colorModelsPage: Page = {
  id: 'color-models',
  title: 'Color models',
  mount(root) {
    let current: Split | null = null;
    let hovered = { x: 0, y: 0 };
    let isTinted = false;
    let loadCount = 0;
    /** The number of the latest load: a picture still loading for an earlier choice is dropped. */
    let loadToken = 0;
    let isMounted = true;
    const decoder = new ImageDecoder();

    const status = element('p', { class: 'color-status', id: 'color-status' });
    const error = element('p', { class: 'error', id: 'color-error', role: 'alert' });
    const fileInput = element('input', {
      type: 'file',
      accept: 'image/png,image/jpeg',
      id: 'color-file',
      'aria-label': 'Your own image (PNG or JPEG)',
    });
    const original = element('canvas', {
      class: 'pixels',
      role: 'img',
      'aria-label': 'The image; the table beside it gives the pixel under the pointer in every model',
    });
    const originalFigure = element(
      'span',
      { class: 'color-pixel' },
      original,
      element('span', { class: 'color-marker' }),
    );
    const swatch = element('span', { class: 'color-swatch' });
    const readout = element('table', { class: 'numbers color-readout', id: 'color-readout' });
    const rows = element('div', { class: 'color-rows' });

    const builtIn = choice(
      'image',
      BUILT_IN.map(({ value, text }) => ({ value, text })),
      BUILT_IN[0].value,
      (value) => {
        const entry = BUILT_IN.find((candidate) => candidate.value === value)!;
        void loadUrl(entry.url, entry.file);
      },
      'color-image',
    );
    // Shown while the user's own file is on the page; not a choice to pick.
    builtIn.select.append(element('option', { value: 'file', disabled: '' }, 'your file'));
    const display = choice(
      'show channels',
      [
        { value: 'gray', text: 'as brightness (white = 1)' },
        { value: 'tinted', text: 'tinted (what each one adds)' },
      ],
      'gray',
      (value) => {
        isTinted = value === 'tinted';
        render();
      },
      'color-display',
    );

    /** The pixel under the pointer, from any of the pictures (they all show the same pixels). */
    function track(canvas: HTMLCanvasElement): void {
      canvas.addEventListener('pointermove', (event) => {
        if (current === null) return;
        const { width, height } = current.source;
        const x = Math.floor((event.offsetX / canvas.clientWidth) * width);
        const y = Math.floor((event.offsetY / canvas.clientHeight) * height);
        if (x < 0 || y < 0 || x >= width || y >= height || (x === hovered.x && y === hovered.y)) return;
        hovered = { x, y };
        showPixel();
        publish();
      });
    }
    track(original);

    function placeMarkers(): void {
      if (current === null) return;
      const { width, height } = current.source;
      for (const marker of root.querySelectorAll<HTMLElement>('.color-marker')) {
        marker.style.left = `${(hovered.x / width) * 100}%`;
        marker.style.top = `${(hovered.y / height) * 100}%`;
        marker.style.width = `max(${100 / width}%, 3px)`;
        marker.style.height = `max(${100 / height}%, 3px)`;
      }
    }

    function showPixel(): void {
      if (current === null) return;
      const rgb = pixelOf(current.models.rgb, hovered.x, hovered.y);
      swatch.style.background = `rgb(${rgb.map((value) => Math.round(value * 255)).join(', ')})`;
      readout.replaceChildren(
        element('caption', {}, `pixel (row ${hovered.y}, column ${hovered.x})`),
        ...SPLIT_MODELS.map((model) => {
          const values = pixelOf(current!.models[model], hovered.x, hovered.y);
          return element(
            'tr',
            { 'data-model': model },
            element('th', {}, MODELS[model].title),
            ...MODELS[model].channels.map((info, channel) =>
              element(
                'td',
                { title: `${info.name}: ${values[channel]!.toFixed(6)}` },
                `${info.label} ${values[channel]!.toFixed(3)}`,
                element('small', {}, ` ${humanValue(model, channel, values[channel]!)}`),
              ),
            ),
          );
        }),
        ...(current.alpha === null ? [] : [alphaReadout(pixelOf(current.alpha, hovered.x, hovered.y)[0]!)]),
      );
      placeMarkers();
    }

    function alphaReadout(alpha: number): HTMLElement {
      return element(
        'tr',
        { 'data-model': 'alpha' },
        element('th', {}, 'Alpha'),
        element(
          'td',
          { title: `alpha: ${alpha.toFixed(6)}` },
          `A ${alpha.toFixed(3)}`,
          element('small', {}, ` ${percent(alpha)} opaque`),
        ),
      );
    }

    /** The alpha channel as its own row: white opaque, black fully transparent. */
    function alphaRow(alpha: Image, scale: number): HTMLElement {
      const canvas = element('canvas', {
        class: 'pixels',
        'data-channel': 'A',
        role: 'img',
        'aria-label': 'Alpha channel (opacity)',
      });
      drawImage(canvas, alpha, scale);
      track(canvas);
      return element(
        'div',
        { class: 'color-row', 'data-model': 'alpha' },
        element(
          'div',
          { class: 'color-row-head' },
          element('h3', {}, 'Alpha'),
          element(
            'p',
            { class: 'explain' },
            'Opacity, a fourth number per pixel in a PNG: 1 opaque, 0 fully transparent. No color model ' +
              'above holds it: they show the picture composited over white, ' +
              'as a CNN that takes RGB would get it. Kept here, its own channel, as a 4-channel (RGBA) ' +
              'input would keep it.',
          ),
        ),
        element(
          'div',
          { class: 'color-figures' },
          element(
            'figure',
            {},
            element('span', { class: 'color-pixel' }, canvas, element('span', { class: 'color-marker' })),
            element('figcaption', {}, element('strong', {}, 'A'), ' alpha'),
          ),
        ),
      );
    }

    function render(): void {
      if (current === null) return;
      const { source } = current;
      // Never below 1: a channel pixel narrower than a screen pixel could not be hovered.
      const scale = Math.max(1, CHANNEL_SIDE / Math.max(source.width, source.height));
      // The picture itself with its transparency (over the checkerboard behind the canvas), not composited.
      drawImage(
        original,
        source.colorModel === 'rgba' ? source : current.models.rgb,
        Math.max(1, ORIGINAL_SIDE / Math.max(source.width, source.height)),
      );
      original.classList.toggle('has-alpha', source.colorModel === 'rgba');
      rows.replaceChildren(
        ...SPLIT_MODELS.map((model) => {
          const image = current!.models[model];
          const figures = MODELS[model].channels.map((info, channel) => {
            const canvas = element('canvas', {
              class: 'pixels',
              'data-channel': info.label,
              role: 'img',
              'aria-label': `${MODELS[model].title} ${info.name} channel`,
            });
            drawImage(canvas, channelPicture(image, model, channel, isTinted), scale);
            track(canvas);
            return element(
              'figure',
              {},
              element('span', { class: 'color-pixel' }, canvas, element('span', { class: 'color-marker' })),
              element('figcaption', {}, element('strong', {}, info.label), ` ${info.name}`),
            );
          });
          return element(
            'div',
            { class: 'color-row', 'data-model': model },
            element(
              'div',
              { class: 'color-row-head' },
              element('h3', {}, MODELS[model].title),
              element('p', { class: 'explain' }, MODELS[model].explain),
            ),
            element('div', { class: 'color-figures' }, ...figures),
          );
        }),
        ...(current.alpha === null ? [] : [alphaRow(current.alpha, scale)]),
      );
      showPixel();
    }

    function publish(): void {
      if (current === null) return;
      const { source, models, decoded, name, channelMeans } = current;
      const positions = [...samplePositions(source.width, source.height), hovered];
      expose('color-models', {
        name,
        loads: loadCount,
        decoded,
        width: source.width,
        height: source.height,
        sourceModel: source.colorModel,
        hovered,
        isTinted,
        samples: positions.map(({ x, y }) => ({
          x,
          y,
          source: pixelOf(source, x, y),
          ...Object.fromEntries(SPLIT_MODELS.map((model) => [model, pixelOf(models[model], x, y)])),
          alpha: current!.alpha === null ? null : pixelOf(current!.alpha, x, y)[0]!,
        })),
        channelMeans,
        error: error.textContent || null,
      });
    }

    /**
     * Decodes the bytes in the worker and splits them, or shows why not (the previous image stays);
     * `token` is this load's number: a decode that a later choice superseded is dropped.
     */
    async function load(bytes: Uint8Array<ArrayBuffer>, name: string, token: number): Promise<void> {
      if (!isMounted || token !== loadToken) return;
      status.textContent = `Decoding ${name} (${(bytes.length / 1024).toFixed(0)} KB)…`;
      error.textContent = '';
      try {
        const decoded = await decoder.decode(bytes, name, MAX_SIDE);
        if (decoded === null || !isMounted || token !== loadToken) return;
        current = split(decoded, name);
      } catch (caught) {
        if (!isMounted || token !== loadToken) return;
        error.textContent = errorMessage(caught);
        status.textContent = current === null ? '' : describe(current);
        publish();
        return;
      }
      loadCount += 1;
      hovered = { x: Math.floor(current.source.width / 2), y: Math.floor(current.source.height / 2) };
      status.textContent = describe(current);
      render();
      publish();
    }

    function describe(shown: Split): string {
      const { decoded, source } = shown;
      const size =
        decoded.width === source.width && decoded.height === source.height
          ? `${source.height} × ${source.width}`
          : `${decoded.height} × ${decoded.width}, shrunk to ${source.height} × ${source.width}`;
      const alpha =
        source.colorModel === 'rgba'
          ? '; its alpha (opacity) is the last row, and the color models show it composited over white'
          : '';
      return (
        `${shown.name}: ${size} pixels (height × width), decoded as ${decoded.colorModel}${alpha}. ` +
        `Hover over any picture.`
      );
    }

    async function loadUrl(url: string, name: string): Promise<void> {
      const token = ++loadToken;
      try {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`could not load ${name}: HTTP ${response.status}`);
        await load(new Uint8Array(await response.arrayBuffer()), name, token);
      } catch (caught) {
        if (token === loadToken) error.textContent = errorMessage(caught);
      }
    }

    async function loadFile(file: File): Promise<void> {
      const token = ++loadToken;
      builtIn.select.value = 'file';
      try {
        await load(new Uint8Array(await file.arrayBuffer()), file.name, token);
      } catch (caught) {
        if (token === loadToken) error.textContent = `${file.name}: ${errorMessage(caught)}`;
      }
    }

    fileInput.addEventListener('change', () => {
      const file = fileInput.files?.[0];
      if (file !== undefined) void loadFile(file);
      // Choosing the same file again is a change too.
      fileInput.value = '';
    });
    const dropZone = element(
      'div',
      { class: 'color-drop', id: 'color-drop' },
      'or drop a PNG or JPEG here, or ',
      fileInput,
    );
    acceptDroppedFiles(dropZone, (files) => {
      if (files[0] !== undefined) void loadFile(files[0]);
    });

    root.append(
      element('h1', {}, 'Color models'),
      element(
        'p',
        { class: 'lead' },
        'A color image is several numbers per pixel, and a color model says what they mean. A CNN sees each ' +
          'channel as one ' +
          'input feature map, so the model chosen decides what its first layer can pick up easily: edges in ' +
          'brightness, a hue, an ink. ' +
          'Every picture here is converted by the toolkit (decodeImage, convertImage; values from 0 to 1).',
      ),
      section(
        'Image',
        'Pick a built-in picture or use your own; it is decoded by the toolkit in the page, not uploaded anywhere.',
        element('div', { class: 'controls' }, builtIn.root, dropZone),
        status,
        error,
        element('div', { class: 'row' }, originalFigure, element('div', { class: 'color-hover' }, swatch, readout)),
      ),
      section(
        'Channels side by side',
        'Each channel as its own picture. As brightness, white is 1 (full red, full saturation, full cyan ' +
          'ink) and black 0; tinted, ' +
          'each shows what it adds on its own: a red light, cyan ink on white paper, the pure hue.',
        element('div', { class: 'controls' }, display.root),
        rows,
      ),
    );

    void loadUrl(BUILT_IN[0].url, BUILT_IN[0].file).then(() => {
      if (isMounted) markReady(root);
    });
    return () => {
      isMounted = false;
      decoder.dispose();
    };
  },
};
