// The Teach page: make classes, fill each with pictures from the camera or files, and teach a trained
// network (a bundled one or a model file) to tell them apart: a new head on its frozen backbone, trained
// in a worker on features computed once per picture, with loss and accuracy drawn per epoch. Then it
// names what the camera sees, live, and saves the whole network (model files or ONNX). The ideas are
// Teachable Machine's and ml5.js's; the training is the library's (addClassifierHead, fitAsync).

import type { Page } from '../page.js';
import { BUNDLED_MODELS, type BundledModel } from '../model/bundledModels.js';
import { choice, element, errorMessage, expose, markReady, section } from '../ui.js';
import type { BackboneDescription, EpochFigures, ModelFile, PictureSource, TopClass } from '../teach/protocol.js';
import { TeachSession } from '../teach/teachSession.js';
import { drawTrainingChart } from '../teach/trainingChart.js';
import '../teach/teach.css';

/**
 * Camera frames are kept at most this many pixels on their longer side: more than any bundled input, and small in
 * memory.
 */
const FRAME_SIDE = 256;
/** Pictures one press of "Take 10" takes, and the milliseconds between them (the subject may move). */
const BURST_COUNT = 10;
const BURST_GAP_MS = 120;
/**
 * Milliseconds between live predictions, after the last one came back: the camera is named a few times a second, the
 * CPU stays mostly idle.
 */
const LIVE_GAP_MS = 250;

interface ClassCard {
  name: string;
  pictures: PictureSource[];
  root: HTMLElement;
  strip: HTMLElement;
  count: HTMLElement;
}

interface TeachState {
  phase: 'loading' | 'ready' | 'training' | 'trained' | 'error';
  backbone: BackboneDescription | null;
  classes: { name: string; pictures: number }[];
  history: EpochFigures[];
  cachedFeaturesOf: string | null;
  /** The backend the head trained on, in words ("WebGPU (google swiftshader)"), or null before training. */
  backend: string | null;
  /** What was classified last ('camera' or a file's name) and its classes, most probable first. */
  prediction: { source: string; top: TopClass[] } | null;
  /** How many live predictions the camera has had. */
  livePredictions: number;
  error: string | null;
}

export const teachPage: Page = {
  id: 'teach',
  title: 'Teach',
  mount(root) {
    const session = new TeachSession();
    const state: TeachState = {
      phase: 'loading',
      backbone: null,
      classes: [],
      history: [],
      cachedFeaturesOf: null,
      backend: null,
      prediction: null,
      livePredictions: 0,
      error: null,
    };
    expose('teach', state);
    let stream: MediaStream | null = null;
    let isLive = false;
    let isMounted = true;
    const cards: ClassCard[] = [];

    const error = element('p', { class: 'error', id: 'teach-error', role: 'alert', hidden: '' });
    const showError = (message: string) => {
      state.error = message;
      error.textContent = message;
      error.hidden = false;
    };
    const clearError = () => {
      state.error = null;
      error.hidden = true;
    };
    const progressText = element(
      'p',
      { class: 'teach-progress', id: 'teach-progress', 'aria-live': 'polite' },
      'Starting the worker\u2026',
    );
    session.onProgress = (message) => (progressText.textContent = `${message.text}\u2026`);

    // 1. The network.
    const backboneInfo = element('p', { class: 'explain', id: 'teach-backbone' }, 'Loading\u2026');
    async function loadBackbone(files: ModelFile[], name?: string): Promise<void> {
      clearError();
      state.phase = 'loading';
      state.backbone = null;
      invalidateTraining();
      backboneInfo.textContent = 'Loading\u2026';
      try {
        const { backbone } = await session.request<'backbone'>(
          { type: 'loadBackbone', files, name },
          files.flatMap((file) => ('bytes' in file ? [file.bytes.buffer] : [])),
        );
        state.backbone = backbone;
        state.phase = 'ready';
        backboneInfo.textContent =
          `${backbone.name}: ${backbone.layerCount} layers kept and frozen, up to ` +
          `${backbone.cutAt} (features ${backbone.featureShape.join('×')}); pictures are fitted to ` +
          `${backbone.inputShape.join('×')}. A new classifier is trained on top.`;
        progressText.textContent = 'Ready: make your classes.';
      } catch (caught) {
        state.phase = 'error';
        backboneInfo.textContent = 'No network.';
        showError(`The network could not be loaded: ${errorMessage(caught)}`);
      }
    }
    const bundledOptions = BUNDLED_MODELS.map((model) => ({ value: model.name, text: model.title }));
    const bundled = choice(
      'Bundled',
      [...bundledOptions, { value: '', text: 'a model file\u2026' }],
      bundledOptions[0]?.value ?? '',
      (name) => {
        const model = BUNDLED_MODELS.find((candidate) => candidate.name === name);
        if (model !== undefined) void loadBackbone(bundledFiles(model), model.name);
      },
      'teach-bundled',
    );
    const modelInput = element('input', {
      type: 'file',
      id: 'teach-model-files',
      multiple: '',
      accept: '.onnx,.json,.safetensors,.bin',
    });
    modelInput.addEventListener('change', async () => {
      const files = [...(modelInput.files ?? [])];
      if (files.length === 0) return;
      bundled.select.value = '';
      void loadBackbone(
        await Promise.all(
          files.map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })),
        ),
      );
    });

    // The camera, shared by the classes (to take pictures) and by the live predictions.
    const video = element('video', { class: 'teach-video', id: 'teach-video', playsinline: '', muted: '', hidden: '' });
    const cameraButton = element('button', { class: 'secondary', id: 'teach-camera' }, 'Start the camera');
    async function startCamera(): Promise<boolean> {
      if (stream !== null) return true;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { width: { ideal: 640 }, height: { ideal: 480 } },
          audio: false,
        });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        cameraButton.hidden = true;
        return true;
      } catch (caught) {
        showError(`The camera could not start: ${errorMessage(caught)}`);
        return false;
      }
    }
    cameraButton.addEventListener('click', () => void startCamera());

    /** The camera's frame now, its longer side at most FRAME_SIDE; null before the first frame. */
    function cameraFrame(): { picture: PictureSource; canvas: HTMLCanvasElement } | null {
      if (video.videoWidth === 0 || video.videoHeight === 0) return null;
      const scale = Math.min(1, FRAME_SIDE / Math.max(video.videoWidth, video.videoHeight));
      const width = Math.round(video.videoWidth * scale);
      const height = Math.round(video.videoHeight * scale);
      const canvas = element('canvas', { width: String(width), height: String(height), class: 'teach-thumb' });
      const context = canvas.getContext('2d')!;
      context.drawImage(video, 0, 0, width, height);
      const rgba = new Uint8ClampedArray(context.getImageData(0, 0, width, height).data);
      return { picture: { kind: 'pixels', name: 'camera', width, height, rgba }, canvas };
    }

    // 2. The classes.
    const classList = element('div', { class: 'teach-classes', id: 'teach-classes' });
    function publishClasses(): void {
      state.classes = cards.map((card) => ({ name: card.name, pictures: card.pictures.length }));
      trainButton.disabled = state.phase === 'training' || cards.length < 2;
    }
    function addPicture(card: ClassCard, picture: PictureSource, thumb: HTMLElement): void {
      card.pictures.push(picture);
      card.strip.append(thumb);
      card.count.textContent = `${card.pictures.length} picture${card.pictures.length === 1 ? '' : 's'}`;
      publishClasses();
    }
    function addClass(name: string): void {
      const nameInput = element('input', {
        type: 'text',
        class: 'teach-class-name',
        value: name,
        'aria-label': 'class name',
        maxlength: '40',
      });
      const count = element('span', { class: 'teach-count' }, '0 pictures');
      const strip = element('div', { class: 'teach-strip' });
      const snap = element('button', { class: 'teach-snap secondary' }, 'Take a picture');
      const burst = element('button', { class: 'teach-burst secondary' }, `Take ${BURST_COUNT}`);
      const fileInput = element('input', {
        type: 'file',
        class: 'teach-files',
        multiple: '',
        accept: 'image/png,image/jpeg',
        'aria-label': 'pictures from files',
      });
      const remove = element(
        'button',
        { class: 'teach-remove secondary', 'aria-label': 'remove this class' },
        'Remove',
      );
      const card: ClassCard = { name, pictures: [], root: element('div', { class: 'teach-class' }), strip, count };
      nameInput.addEventListener('input', () => {
        card.name = nameInput.value.trim() || `class ${cards.indexOf(card) + 1}`;
        publishClasses();
      });
      const take = async (times: number) => {
        clearError();
        if (!(await startCamera())) return;
        for (let taken = 0; taken < times && isMounted; taken++) {
          if (taken > 0) await pause(BURST_GAP_MS);
          const frame = cameraFrame();
          if (frame === null) {
            showError('The camera gives no picture yet: try again in a moment.');
            return;
          }
          addPicture(card, frame.picture, frame.canvas);
        }
      };
      snap.addEventListener('click', () => void take(1));
      burst.addEventListener('click', () => void take(BURST_COUNT));
      fileInput.addEventListener('change', async () => {
        for (const file of [...(fileInput.files ?? [])]) {
          const bytes = new Uint8Array(await file.arrayBuffer());
          const thumb = element('img', {
            class: 'teach-thumb',
            alt: file.name,
            src: URL.createObjectURL(new Blob([bytes], { type: file.type || 'image/png' })),
          });
          addPicture(card, { kind: 'file', name: file.name, bytes }, thumb);
        }
        fileInput.value = '';
      });
      remove.addEventListener('click', () => {
        cards.splice(cards.indexOf(card), 1);
        card.root.remove();
        publishClasses();
      });
      card.root.append(
        element('div', { class: 'teach-class-head' }, nameInput, count, remove),
        element('div', { class: 'controls' }, snap, burst, element('label', { class: 'control' }, 'Files ', fileInput)),
        strip,
      );
      cards.push(card);
      classList.append(card.root);
      publishClasses();
    }
    const addClassButton = element('button', { class: 'secondary', id: 'teach-add-class' }, 'Add a class');
    addClassButton.addEventListener('click', () => addClass(`class ${cards.length + 1}`));

    // 3. Training.
    const epochsInput = element('input', { type: 'number', id: 'teach-epochs', min: '1', max: '200', value: '30' });
    const rate = choice(
      'Learning rate',
      ['0.03', '0.01', '0.003', '0.001'].map((value) => ({ value, text: value })),
      '0.01',
      () => undefined,
      'teach-rate',
    );
    const trainButton = element('button', { id: 'teach-train' }, 'Train');
    const stopButton = element('button', { class: 'secondary', id: 'teach-stop', hidden: '' }, 'Stop');
    const chart = element('canvas', { class: 'teach-chart', id: 'teach-chart', width: '480', height: '160' });
    const figures = element('p', { class: 'teach-figures', id: 'teach-figures' });
    function invalidateTraining(): void {
      state.history = [];
      state.prediction = null;
      state.cachedFeaturesOf = null;
      saveModelButton.disabled = true;
      saveOnnxButton.disabled = true;
      liveButton.disabled = true;
      tryInput.disabled = true;
      drawTrainingChart(chart, []);
      figures.textContent = '';
      predictionView.replaceChildren();
    }
    session.onEpoch = ({ figures: epoch }) => {
      state.history.push(epoch);
      drawTrainingChart(chart, state.history);
      figures.textContent =
        `epoch ${epoch.epoch} of ${epoch.epochs}: loss ${epoch.loss.toFixed(4)}, ` +
        `accuracy ${(100 * epoch.accuracy).toFixed(1)}%`;
      progressText.textContent = `Training the head: epoch ${epoch.epoch} of ${epoch.epochs}\u2026`;
    };
    trainButton.addEventListener('click', async () => {
      clearError();
      if (state.backbone === null) {
        showError('Choose a network first.');
        return;
      }
      const epochs = Math.max(1, Math.min(200, Math.round(Number(epochsInput.value) || 30)));
      stopLive();
      invalidateTraining();
      state.phase = 'training';
      trainButton.disabled = true;
      // A network changed mid-training would leave the head on the old one: the choice waits.
      bundled.select.disabled = true;
      modelInput.disabled = true;
      stopButton.hidden = false;
      progressText.textContent = 'Computing the backbone\u2019s features of every picture\u2026';
      try {
        // Copies go to the worker (the page keeps its pictures for the next training).
        const classes = cards.map((card) => ({ name: card.name, pictures: card.pictures }));
        const trained = await session.request<'trained'>({
          type: 'train',
          classes,
          epochs,
          learningRate: Number(rate.select.value),
        });
        state.cachedFeaturesOf = trained.cachedFeaturesOf;
        state.backend = trained.backend;
        state.phase = 'trained';
        const last = trained.history.at(-1);
        progressText.textContent =
          `${trained.isStopped ? 'Stopped' : 'Trained'} after ` +
          `${trained.history.length} ` +
          `epochs${last === undefined ? '' : `: accuracy ${(100 * last.accuracy).toFixed(1)}% ` + `on your pictures`}${trained.cachedFeaturesOf === null ? '' : ` (features of ${trained.cachedFeaturesOf} computed once)`}, on ${trained.backend}. Try it on the camera or a file.`;
        saveModelButton.disabled = false;
        saveOnnxButton.disabled = false;
        liveButton.disabled = false;
        tryInput.disabled = false;
      } catch (caught) {
        state.phase = state.backbone === null ? 'error' : 'ready';
        progressText.textContent = 'Not trained.';
        showError(`Training failed: ${errorMessage(caught)}`);
      } finally {
        bundled.select.disabled = false;
        modelInput.disabled = false;
        trainButton.disabled = cards.length < 2;
        stopButton.hidden = true;
      }
    });
    stopButton.addEventListener('click', () => session.tell({ type: 'stop' }));

    // 4. Using it.
    const predictionView = element('div', { class: 'teach-prediction', id: 'teach-prediction', 'aria-live': 'polite' });
    function showPrediction(source: string, top: TopClass[]): void {
      state.prediction = { source, top };
      const best = top[0]!;
      predictionView.replaceChildren(
        element(
          'p',
          { class: 'teach-top', id: 'teach-top' },
          `${best.name} `,
          element('strong', {}, `${(100 * best.probability).toFixed(1)}%`),
          element('span', { class: 'teach-source' }, ` (${source})`),
        ),
        ...top.map((candidate) =>
          element(
            'div',
            { class: 'teach-bar' },
            element('span', { class: 'teach-bar-name' }, candidate.name),
            element(
              'span',
              { class: 'teach-bar-track' },
              element('span', {
                class: 'teach-bar-fill',
                style: `width: ${(100 * candidate.probability).toFixed(1)}%`,
              }),
            ),
            element('span', { class: 'teach-bar-value' }, `${(100 * candidate.probability).toFixed(1)}%`),
          ),
        ),
      );
    }
    async function predict(source: string, picture: PictureSource): Promise<void> {
      const { top } = await session.request<'prediction'>({ type: 'predict', picture });
      showPrediction(source, top);
    }
    const liveButton = element('button', { id: 'teach-live', disabled: '' }, 'Name what the camera sees');
    async function liveLoop(): Promise<void> {
      while (isLive && isMounted) {
        const frame = cameraFrame();
        if (frame !== null) {
          try {
            await predict('camera', frame.picture);
            state.livePredictions++;
          } catch (caught) {
            showError(`Prediction failed: ${errorMessage(caught)}`);
            stopLive();
          }
        }
        await pause(LIVE_GAP_MS);
      }
    }
    function stopLive(): void {
      isLive = false;
      liveButton.textContent = 'Name what the camera sees';
    }
    liveButton.addEventListener('click', async () => {
      clearError();
      if (isLive) {
        stopLive();
        return;
      }
      if (!(await startCamera())) return;
      isLive = true;
      liveButton.textContent = 'Stop naming';
      void liveLoop();
    });
    const tryInput = element('input', { type: 'file', id: 'teach-try', accept: 'image/png,image/jpeg', disabled: '' });
    tryInput.addEventListener('change', async () => {
      const file = tryInput.files?.[0];
      if (file === undefined) return;
      clearError();
      stopLive();
      try {
        await predict(file.name, { kind: 'file', name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
      } catch (caught) {
        showError(`Prediction failed: ${errorMessage(caught)}`);
      }
      tryInput.value = '';
    });

    // 5. Saving: the files the worker writes, handed to the browser as downloads.
    async function save(format: 'convnet' | 'onnx'): Promise<void> {
      clearError();
      try {
        const { files } = await session.request<'saved'>({ type: 'save', format });
        for (const file of files) {
          const link = element('a', { href: URL.createObjectURL(new Blob([file.bytes])), download: file.name });
          link.click();
          setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
        }
      } catch (caught) {
        showError(`Saving failed: ${errorMessage(caught)}`);
      }
    }
    const saveModelButton = element(
      'button',
      { class: 'secondary', id: 'teach-save-model', disabled: '' },
      'Save model files',
    );
    const saveOnnxButton = element(
      'button',
      { class: 'secondary', id: 'teach-save-onnx', disabled: '' },
      'Save as ONNX',
    );
    saveModelButton.addEventListener('click', () => void save('convnet'));
    saveOnnxButton.addEventListener('click', () => void save('onnx'));

    root.append(
      element('h1', {}, 'Teach'),
      element(
        'p',
        { class: 'lead' },
        'Teach a trained network your own classes from a few pictures each: its layers keep what they ' +
          'learned (frozen), and only a new last layer learns your classes, in seconds.',
      ),
      section(
        '1. Choose a network',
        'A bundled network, or a model file (ONNX, the two files `convnet train` saves, or a TF.js model). ' +
          'Its classifier is cut off; what comes before it turns each picture into features.',
        element(
          'div',
          { class: 'controls' },
          bundled.root,
          element('label', { class: 'control' }, 'Files ', modelInput),
        ),
        backboneInfo,
      ),
      section(
        '2. Make your classes',
        'Name each class and give it pictures: from the camera (hold the thing in view and take ten) or ' +
          'from files. A dozen or more per class helps.',
        element('div', { class: 'controls' }, cameraButton, addClassButton),
        video,
        classList,
      ),
      section(
        '3. Train',
        'The backbone\u2019s features of each picture are computed once; then only the new head trains, ' +
          'epoch after epoch, in a worker: the page stays free.',
        element(
          'div',
          { class: 'controls' },
          element('label', { class: 'control' }, 'Epochs ', epochsInput),
          rate.root,
          trainButton,
          stopButton,
        ),
        error,
        progressText,
        chart,
        figures,
      ),
      section(
        '4. Use it',
        'The camera, named a few times a second, or a picture from a file.',
        element('div', { class: 'controls' }, liveButton, element('label', { class: 'control' }, 'File ', tryInput)),
        predictionView,
      ),
      section(
        '5. Save it',
        'The whole network (backbone and new head): model.json and weights.safetensors for the toolkit ' +
          '(`convnet predict`), or one ONNX file.',
        element('div', { class: 'controls' }, saveModelButton, saveOnnxButton),
      ),
    );
    addClass('class 1');
    addClass('class 2');
    invalidateTraining();
    const first = BUNDLED_MODELS[0];
    if (first !== undefined) void loadBackbone(bundledFiles(first), first.name).then(() => markReady(root));
    else {
      backboneInfo.textContent = 'Choose a model file.';
      state.phase = 'ready';
      markReady(root);
    }

    return () => {
      isMounted = false;
      isLive = false;
      session.terminate();
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  },
};

function bundledFiles(model: BundledModel): ModelFile[] {
  return [
    { name: 'model.json', url: model.manifestUrl },
    { name: 'weights.safetensors', url: model.weightsUrl },
  ];
}

function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
