// The Model page: any model (bundled, saved by `convnet train`, ONNX, TF.js) at work on the user's
// picture (a sample, a file, a drop or the camera), every layer shown as a column of its feature maps.
// Loading, the forward pass of every layer and the drawing of the columns run in a worker
// (model/modelWorker.ts); this thread only places pixels, so the page never freezes.
// A click on one value opens #model-drill: the value outlined, and how the library's explainValue says
// it was computed from the layer's real weights and inputs.
// "Why this class" (model/whyThisClass.ts) shows the library's Grad-CAM for any class on the layer chosen.

import { serializeModel, type Preprocessing } from 'convnet-ts';
import { currentModel, onModelChange } from '../appState.js';
import digit3 from '../assets/convolution/digit-3.png';
import rose from '../assets/color-models/rose.jpg';
import wizard from '../assets/color-models/wizard.jpg';
import palette from '../assets/color-models/palette.png';
import { BUNDLED_MODELS } from '../model/bundledModels.js';
import { renderExplanation } from '../model/drillDown.js';
import { acceptDroppedFolders, type DroppedFile } from '../model/droppedFiles.js';
import { ModelSession } from '../model/modelSession.js';
import { renderOverview, type ValueSelection } from '../model/overview.js';
import type {
  ColumnPage,
  LayerResult,
  ModelDescription,
  ModelFile,
  PictureSource,
  TopClass,
} from '../model/protocol.js';
import { whyThisClass, type GradCamState } from '../model/whyThisClass.js';
import '../model/model.css';
import type { Page } from '../page.js';
import { acceptDroppedFiles, choice, element, errorMessage, expose, markReady, section } from '../ui.js';

const GENERAL_SAMPLES: readonly { name: string; url: string }[] = [
  { name: 'rose.jpg', url: rose },
  { name: 'wizard.jpg', url: wizard },
  { name: 'palette.png', url: palette },
  { name: 'digit-3.png', url: digit3 },
];

/** The preprocessings the user can pick for a model whose file carries none (mean and std editable below). */
const PREPROCESSING_CHOICES: Record<string, Preprocessing | null> = {
  imagenet: {
    resize: 'crop',
    cropFraction: 0.875,
    scale: 1,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    channelOrder: 'rgb',
  },
  inception: {
    resize: 'crop',
    cropFraction: 0.875,
    scale: 1,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    channelOrder: 'rgb',
  },
  none: null,
};

/** What the page shows, for the end-to-end tests (window.explorer.model). */
export interface ModelPageState {
  phase: 'starting' | 'idle' | 'loading model' | 'computing' | 'done' | 'error';
  model: ModelDescription | null;
  /** Where the model came from: 'bundled <name>' or the files' names. */
  modelSource: string | null;
  picture: string | null;
  top: TopClass[];
  /** Milliseconds from the model's files chosen to the model described (reading, importing, building). */
  modelMs: number | null;
  /**
   * Milliseconds in the worker (forward pass of every layer, drawing) and on the page, from the picture chosen to the
   * overview drawn.
   */
  timings: { forwardMs: number; drawMs: number; totalMs: number } | null;
  error: string | null;
  backend: { active: string; threads: number; isIsolated: boolean } | null;
  selection: ValueSelection | null;
  /**
   * The drill-down's explanation of the selected value (explainValue's kind, its arithmetic's result and the layer's
   * output).
   */
  explanation: { kind: string; value: number; output: number } | null;
  /** Progress reports shown for the latest picture (one per layer of the forward pass, and the stages). */
  progressReports: number;
  /** "Why this class": the last Grad-CAM shown (its heat at the layer's resolution). */
  gradCam: GradCamState;
  /** The raw output of layer `layerIndex` for the current picture (tests compare it with the library's in Node). */
  values(layerIndex: number): Promise<{ shape: number[]; values: Float32Array }>;
}

function describePreprocessing(preprocessing: Preprocessing | null): string {
  if (preprocessing === null) return 'stretched to the input size, values 0..1, no normalization';
  const resize =
    preprocessing.resize === 'crop'
      ? `shorter side resized, center crop (fraction ${preprocessing.cropFraction ?? 0.875})`
      : 'stretched to the input size';
  const numbers = (list: readonly number[]) => `[${list.map((value) => Number(value.toFixed(4))).join(', ')}]`;
  return (
    `${resize}; values 0..${preprocessing.scale}; (value \u2212 mean ${numbers(preprocessing.mean)}) / ` +
    `std ${numbers(preprocessing.std)}; ${preprocessing.channelOrder ?? 'rgb'}`
  );
}

export const modelPage: Page = {
  id: 'model',
  title: 'Model',
  mount(root) {
    const session = new ModelSession();
    const cam = whyThisClass(session);
    let stream: MediaStream | null = null;
    const state: ModelPageState = {
      phase: 'starting',
      model: null,
      modelSource: null,
      picture: null,
      top: [],
      modelMs: null,
      timings: null,
      error: null,
      backend: null,
      selection: null,
      explanation: null,
      progressReports: 0,
      gradCam: cam.state,
      async values(layerIndex) {
        const reply = await session.request<'values'>({ type: 'values', layerIndex });
        return { shape: reply.shape, values: reply.values };
      },
    };
    expose('model', state);
    /** The picture last chosen: rerun when the model or its preprocessing changes. */
    let lastPicture: (() => Promise<PictureSource>) | null = null;
    let modelToken = 0;
    /** The newest request whose progress the page's bar shows. */
    let newestProgressId = 0;
    let runToken = 0;

    const error = element('p', { class: 'error', id: 'model-error', role: 'alert' });
    const progressBar = element('progress', { id: 'model-progress', max: '1', value: '0' });
    const progressText = element(
      'span',
      { class: 'model-progress-text', id: 'model-progress-text' },
      'Starting the worker\u2026',
    );
    const status = element('p', { class: 'model-status', id: 'model-status' });
    const modelInfo = element('div', { class: 'model-info', id: 'model-info' }, 'No model yet: choose one above.');
    const fitted = element('canvas', { class: 'pixels model-fitted', id: 'model-fitted', width: '1', height: '1' });
    const overview = element('div', { class: 'model-overview', id: 'model-overview' });
    const drill = element('aside', { class: 'model-drill card', id: 'model-drill', hidden: '' });

    const showError = (message: string) => {
      state.error = message;
      state.phase = 'error';
      error.textContent = message;
      progressText.textContent = '';
    };
    const clearError = () => {
      state.error = null;
      error.textContent = '';
    };

    session.onProgress = (message) => {
      if (cam.takeProgress(message)) return;
      // A report of a request older than the last one shown is stale (the worker answers in order).
      if (message.id < newestProgressId) return;
      newestProgressId = message.id;
      state.progressReports++;
      progressBar.max = message.total;
      progressBar.value = message.done;
      progressText.textContent = message.text;
    };
    session.onReady = () => {
      state.backend = session.backend;
      if (state.phase === 'starting') state.phase = 'idle';
      progressText.textContent =
        session.backend === null
          ? ''
          : `Worker ready: ${session.backend.active}, ${session.backend.threads} ` +
            `thread${session.backend.threads === 1 ? '' : 's'}.`;
      markReady(root);
    };

    // --- The model -----------------------------------------------------------------------------
    const preprocessingControls = element('div', { class: 'controls model-preprocessing', id: 'model-preprocessing' });
    const showModel = (model: ModelDescription) => {
      state.model = model;
      cam.setModel(model);
      const { input } = model;
      const inputText =
        input.colorModel === null
          ? `vectors of ${input.channels} values`
          : `${input.height}\u00d7${input.width}\u00d7${input.channels} (${input.colorModel})`;
      const source = {
        file: 'from the model file',
        proposed: 'proposed: the file does not say; check it',
        user: 'as you set it',
      }[model.preprocessingSource];
      modelInfo.replaceChildren(
        element(
          'p',
          {},
          element('strong', {}, model.name),
          ` \u2014 ${model.format}, ${model.layers.length} layers, ` +
            `${model.parameterCount.toLocaleString('en')} parameters`,
        ),
        element('p', {}, `Input: ${inputText}, height\u00d7width\u00d7channels.`),
        element('p', {}, `Preprocessing (${source}): ${describePreprocessing(model.preprocessing)}.`),
        element('p', {}, `Class names: ${model.classNamesSource} (${model.classNames.length}).`),
      );
      buildPreprocessingControls(model);
    };

    function buildPreprocessingControls(model: ModelDescription): void {
      preprocessingControls.replaceChildren();
      if (model.format !== 'onnx' || model.input.channels !== 3) return;
      const current = model.preprocessing;
      const preset = choice(
        'Preprocessing',
        [
          { value: 'imagenet', text: 'ImageNet (torchvision)' },
          { value: 'inception', text: 'Inception (\u22121..1)' },
          { value: 'none', text: 'none (0..1)' },
        ],
        current === null ? 'none' : current.mean[0] === 0.5 ? 'inception' : 'imagenet',
        (value) => {
          const chosen = PREPROCESSING_CHOICES[value] ?? null;
          mean.value = chosen === null ? '' : chosen.mean.join(', ');
          std.value = chosen === null ? '' : chosen.std.join(', ');
          apply();
        },
        'model-preprocessing-preset',
      );
      const mean = element('input', {
        type: 'text',
        id: 'model-mean',
        size: '16',
        value: current?.mean.join(', ') ?? '',
      });
      const std = element('input', { type: 'text', id: 'model-std', size: '16', value: current?.std.join(', ') ?? '' });
      const apply = () => {
        const base = PREPROCESSING_CHOICES[preset.select.value] ?? null;
        const parse = (text: string) =>
          text
            .split(/[\s,]+/)
            .filter((part) => part !== '')
            .map(Number);
        const preprocessing: Preprocessing | null =
          base === null && mean.value.trim() === ''
            ? null
            : ({
                ...(base ?? { resize: 'stretch', scale: 1, channelOrder: 'rgb' }),
                mean: parse(mean.value),
                std: parse(std.value),
              } as Preprocessing);
        void setPreprocessing(preprocessing);
      };
      const applyButton = element('button', { class: 'secondary', id: 'model-preprocessing-apply' }, 'Apply');
      applyButton.addEventListener('click', apply);
      preprocessingControls.append(
        preset.root,
        element('label', { class: 'control' }, 'mean ', mean),
        element('label', { class: 'control' }, 'std ', std),
        applyButton,
      );
    }

    async function setPreprocessing(preprocessing: Preprocessing | null): Promise<void> {
      clearError();
      try {
        showModel((await session.request<'model'>({ type: 'setPreprocessing', preprocessing })).model);
        await rerun();
      } catch (caught) {
        showError(`Preprocessing: ${errorMessage(caught)}`);
      }
    }

    async function loadModel(files: ModelFile[], source: string): Promise<void> {
      const token = ++modelToken;
      const started = performance.now();
      clearError();
      state.phase = 'loading model';
      state.modelMs = null;
      state.top = [];
      overview.replaceChildren();
      drill.hidden = true;
      try {
        const reply = await session.request<'model'>({ type: 'loadModel', files });
        if (token !== modelToken) return;
        state.modelMs = performance.now() - started;
        state.modelSource = source;
        showModel(reply.model);
        state.phase = 'idle';
        progressText.textContent = `Loaded ${reply.model.name}.`;
        await rerun();
      } catch (caught) {
        if (token === modelToken) {
          state.model = null;
          state.modelSource = null;
          cam.setModel(null);
          modelInfo.textContent = 'No model loaded.';
          showError(`The model could not be loaded: ${errorMessage(caught)}`);
        }
      }
    }

    const bundled = choice(
      'Bundled model',
      [
        { value: '', text: BUNDLED_MODELS.length === 0 ? '(none in this build)' : 'choose\u2026' },
        ...BUNDLED_MODELS.map((model) => ({ value: model.name, text: model.title })),
      ],
      '',
      (name) => {
        const model = BUNDLED_MODELS.find((candidate) => candidate.name === name);
        if (model === undefined) return;
        bundledDescription.textContent = model.description;
        refreshSamples(model.samples);
        void loadModel(
          [
            { name: 'model.json', url: model.manifestUrl },
            { name: 'weights.safetensors', url: model.weightsUrl },
          ],
          `bundled ${model.name}`,
        );
      },
      'model-bundled',
    );
    bundled.select.disabled = BUNDLED_MODELS.length === 0;
    const bundledDescription = element('p', { class: 'explain', id: 'model-bundled-description' });

    // The model trained on the Train page (or loaded on the Draw page), handed over as the two files it would save.
    const trained = element('button', { class: 'secondary', id: 'model-trained' }, 'The model from the Train page');
    trained.hidden = currentModel() === null;
    const stopWatchingModel = onModelChange((model) => (trained.hidden = model === null));
    trained.addEventListener('click', () => {
      const current = currentModel();
      if (current === null) return;
      try {
        const { manifest, weights } = serializeModel(current.model, { classNames: current.classNames });
        void loadModel(
          [
            { name: 'model.json', bytes: new TextEncoder().encode(manifest) },
            { name: 'weights.safetensors', bytes: weights.slice() },
          ],
          current.source,
        );
      } catch (caught) {
        showError(`The model could not be handed over: ${errorMessage(caught)}`);
      }
    });

    /**
     * Files from the inputs or a drop, each with its path in the chosen folder ("resnet/model.json") or its bare name.
     */
    const fromFiles = async (files: readonly DroppedFile[]) => {
      if (files.length === 0) return;
      const labels = files.filter(({ path }) => /\.txt$/i.test(path));
      const modelFiles = files.filter(({ path }) => !/\.txt$/i.test(path));
      if (modelFiles.length > 0) {
        const read = await Promise.all(
          modelFiles.map(async ({ path, file }) => ({ name: path, bytes: new Uint8Array(await file.arrayBuffer()) })),
        );
        await loadModel(read, read.map((file) => file.name).join(', '));
      }
      if (labels[0] !== undefined) await setLabels(labels[0].file);
    };
    const chosen = (list: FileList | null): DroppedFile[] =>
      [...(list ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
    const modelInput = element('input', {
      type: 'file',
      id: 'model-files',
      multiple: '',
      accept: '.onnx,.json,.safetensors,.bin,.txt',
    });
    modelInput.addEventListener('change', () => void fromFiles(chosen(modelInput.files)));
    const folderInput = element('input', { type: 'file', id: 'model-folder', webkitdirectory: '' });
    folderInput.addEventListener('change', () => void fromFiles(chosen(folderInput.files)));
    const modelDrop = element(
      'div',
      { class: 'model-drop', id: 'model-drop' },
      'Drop model files or a model folder here (.onnx; model.json + weights.safetensors; a TF.js model.json ' +
        '+ shards; a labels .txt)',
    );
    acceptDroppedFolders(modelDrop, (files) => void fromFiles(files), showError);

    async function setLabels(file: File | null): Promise<void> {
      clearError();
      try {
        const text = file === null ? null : await file.text();
        showModel((await session.request<'model'>({ type: 'setLabels', name: file?.name ?? '', text })).model);
        await rerun();
      } catch (caught) {
        showError(`Labels: ${errorMessage(caught)}`);
      }
    }
    const labelsInput = element('input', { type: 'file', id: 'model-labels', accept: '.txt,.json' });
    labelsInput.addEventListener('change', () => void setLabels(labelsInput.files?.[0] ?? null));

    // --- The picture -------------------------------------------------------------------------------
    async function runPicture(load: () => Promise<PictureSource>): Promise<void> {
      lastPicture = load;
      await rerun();
    }

    async function rerun(): Promise<void> {
      if (lastPicture === null || state.model === null) return;
      const token = ++runToken;
      const started = performance.now();
      clearError();
      state.phase = 'computing';
      state.timings = null;
      state.progressReports = 0;
      try {
        const picture = await lastPicture();
        state.picture = picture.name;
        const reply = await session.request<'result'>({ type: 'run', picture });
        if (token !== runToken || state.model === null) return;
        const model = state.model;
        fitted.width = reply.fitted.width;
        fitted.height = reply.fitted.height;
        fitted
          .getContext('2d')!
          .putImageData(new ImageData(reply.fitted.rgba, reply.fitted.width, reply.fitted.height), 0, 0);
        await drawOverview(model, reply.layers, reply.top, token);
        if (token !== runToken) return;
        state.top = reply.top;
        state.timings = { forwardMs: reply.forwardMs, drawMs: reply.drawMs, totalMs: performance.now() - started };
        state.phase = 'done';
        cam.setTop(reply.top);
        const best = reply.top[0];
        status.textContent = `${best === undefined ? '' : `Top class: ${best.name} ` + `(${(best.probability * 100).toFixed(1)}%). `}All ${model.layers.length} layers in ${(state.timings.totalMs / 1000).toFixed(2)} s (forward pass ${(reply.forwardMs / 1000).toFixed(2)} s).`;
        progressText.textContent = 'Done.';
      } catch (caught) {
        if (token === runToken) showError(`The picture could not be run: ${errorMessage(caught)}`);
      }
    }

    async function drawOverview(
      model: ModelDescription,
      layers: readonly LayerResult[],
      top: readonly TopClass[],
      token: number,
    ): Promise<void> {
      await renderOverview(
        overview,
        model,
        layers,
        top,
        {
          requestPage: async (layerIndex, page) => {
            try {
              return (await session.request<'page'>({ type: 'page', layerIndex, page })).column as ColumnPage;
            } catch (caught) {
              showError(errorMessage(caught));
              return null;
            }
          },
          onValueClick: (selection) => void openDrill(selection),
        },
        () => token === runToken,
      );
    }

    async function openDrill(selection: ValueSelection): Promise<void> {
      state.selection = selection;
      state.explanation = null;
      const layer = state.model?.layers[selection.layerIndex];
      if (layer === undefined) return;
      drill.hidden = false;
      const where =
        selection.kind === 'maps'
          ? `map ${selection.channel}, row ${selection.row}, column ${selection.column}`
          : `value ${selection.index}`;
      const close = element('button', { class: 'secondary', id: 'model-drill-close' }, 'Close');
      close.addEventListener('click', () => {
        drill.hidden = true;
        state.selection = null;
      });
      const valueLine = element('p', { class: 'mono', id: 'model-drill-value' }, '\u2026');
      const how = element('div', { class: 'model-drill-how', id: 'model-drill-how' });
      drill.replaceChildren(
        element('h2', {}, `Layer ${layer.index}: ${layer.name} (${layer.className})`),
        element('p', {}, where),
        valueLine,
        how,
        close,
      );
      drill.scrollIntoView({ block: 'nearest' });
      const position =
        selection.kind === 'maps' ? [selection.row, selection.column, selection.channel] : [selection.index];
      try {
        const { shape, values } = await session.request<'values'>({ type: 'values', layerIndex: selection.layerIndex });
        const offset =
          selection.kind === 'maps'
            ? (selection.row * shape[1]! + selection.column) * shape[2]! + selection.channel
            : selection.index;
        valueLine.textContent = `value = ${values[offset]!.toPrecision(6)}`;
        const { explanation } = await session.request<'explanation'>({
          type: 'explain',
          layerIndex: selection.layerIndex,
          position,
        });
        if (state.selection !== selection) return;
        state.explanation = { kind: explanation.kind, value: explanation.value, output: explanation.output };
        how.replaceChildren(...renderExplanation(explanation, state.model?.classNames ?? []));
      } catch (caught) {
        how.replaceChildren(element('p', { class: 'error' }, errorMessage(caught)));
      }
    }

    const sampleSelect = choice(
      'Sample',
      [],
      '',
      (value) => {
        const sample = samples.find((candidate) => candidate.url === value);
        if (sample !== undefined) void runPicture(() => fetchPicture(sample.name, sample.url));
      },
      'model-sample',
    );
    let samples: { name: string; url: string; trueClass?: string | undefined }[] = [];
    function refreshSamples(
      modelSamples: readonly { name: string; url: string; trueClass?: string | undefined }[],
    ): void {
      samples = [...modelSamples, ...GENERAL_SAMPLES];
      // The option's text is the file name (tests choose by it); a known true class shows in its title.
      sampleSelect.select.replaceChildren(
        element('option', { value: '' }, 'choose\u2026'),
        ...samples.map((sample) =>
          element(
            'option',
            sample.trueClass === undefined
              ? { value: sample.url }
              : { value: sample.url, title: `a ${sample.trueClass}` },
            sample.name,
          ),
        ),
      );
    }
    refreshSamples([]);

    const pictureInput = element('input', { type: 'file', id: 'model-picture', accept: 'image/png,image/jpeg' });
    const fromPictureFile = (file: File | undefined) => {
      if (file !== undefined)
        void runPicture(async () => ({
          kind: 'file',
          name: file.name,
          bytes: new Uint8Array(await file.arrayBuffer()),
        }));
    };
    pictureInput.addEventListener('change', () => fromPictureFile(pictureInput.files?.[0]));
    const pictureDrop = element('div', { class: 'model-drop', id: 'picture-drop' }, 'or drop a PNG or JPEG here');
    acceptDroppedFiles(pictureDrop, (files) => fromPictureFile(files[0]));

    const video = element('video', { class: 'model-video', id: 'model-video', playsinline: '', muted: '', hidden: '' });
    const cameraButton = element('button', { class: 'secondary', id: 'model-camera' }, 'Camera');
    const snapButton = element('button', { id: 'model-snap', hidden: '' }, 'Take picture');
    cameraButton.addEventListener('click', async () => {
      clearError();
      try {
        stream ??= await navigator.mediaDevices.getUserMedia({
          video: { width: { ideal: 640 }, height: { ideal: 480 } },
          audio: false,
        });
        video.srcObject = stream;
        video.hidden = false;
        snapButton.hidden = false;
        await video.play();
      } catch (caught) {
        showError(`The camera could not start: ${errorMessage(caught)}`);
      }
    });
    snapButton.addEventListener('click', () => {
      const width = video.videoWidth;
      const height = video.videoHeight;
      if (width === 0 || height === 0) return;
      const canvas = element('canvas', { width: String(width), height: String(height) });
      const context = canvas.getContext('2d')!;
      context.drawImage(video, 0, 0);
      const frame = context.getImageData(0, 0, width, height);
      void runPicture(async () => ({
        kind: 'pixels',
        name: 'camera',
        width,
        height,
        rgba: new Uint8ClampedArray(frame.data),
      }));
    });

    root.append(
      element('h1', {}, 'Model'),
      element(
        'p',
        { class: 'lead' },
        'Open a real network, give it a picture, and see every layer at work: each column holds one ' +
          'layer\u2019s feature maps, left to right from the picture to the classes. Click a value to see it up close.',
      ),
      section(
        '1. Choose a model',
        'A bundled model, an ONNX file (a torchvision export, for example), the folder or the two files ' +
          '`convnet train` saves, or a TF.js model. A labels file (one class name per line) names the classes.',
        element(
          'div',
          { class: 'controls' },
          bundled.root,
          trained,
          element('label', { class: 'control' }, 'Files ', modelInput),
          element('label', { class: 'control' }, 'Folder ', folderInput),
        ),
        bundledDescription,
        modelDrop,
        element('div', { class: 'controls' }, element('label', { class: 'control' }, 'Labels ', labelsInput)),
        modelInfo,
        preprocessingControls,
      ),
      section(
        '2. Choose a picture',
        'It is fitted to the model\u2019s input as the model expects it (its size, color model and ' +
          'normalization above); the picture on the right is what the first layer sees.',
        element(
          'div',
          { class: 'controls' },
          sampleSelect.root,
          element('label', { class: 'control' }, 'File ', pictureInput),
          cameraButton,
          snapButton,
        ),
        pictureDrop,
        element(
          'div',
          { class: 'row' },
          video,
          element('figure', {}, fitted, element('figcaption', {}, 'as the model sees it')),
        ),
      ),
      section(
        '3. The network at work',
        'Every layer in order, its output shape and size formula above its column; blue is negative, red ' +
          'positive, white zero (black to white where nothing is negative). Arcs join residual and ' +
          'concatenated branches. Wide layers are paged.',
        element('div', { class: 'model-progress' }, progressBar, progressText),
        error,
        status,
        overview,
        drill,
      ),
      section(
        '4. Why this class',
        'Which parts of the picture the model took as evidence for a class: one of its top classes, or any ' +
          'other by name or index, weighed on the layer you pick (by default the last one with maps, where ' +
          'the network\u2019s blocks end).',
        cam.root,
      ),
    );

    return () => {
      stopWatchingModel();
      session.terminate();
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  },
};

async function fetchPicture(name: string, url: string): Promise<PictureSource> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${name}: the server answered ${response.status} ${response.statusText}`);
  return { kind: 'file', name, bytes: new Uint8Array(await response.arrayBuffer()) };
}
