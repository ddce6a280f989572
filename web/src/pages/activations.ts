// The Activations page: every activation function of the toolkit plotted with its derivative, both
// computed by the toolkit (the op forward, GradientTape backward), and the vanishing-gradient demo:
// the gradient magnitude per layer of a deep sigmoid network against a ReLU one, backpropagated live
// by the toolkit on one random batch (after Glorot and Bengio, 2010, who measured back-propagated
// gradients layer by layer; their fig. 7 does it for tanh networks).

import { Chart, registerables, type ChartDataset, type Plugin } from 'chart.js';
import {
  Dense,
  elu,
  gelu,
  GradientTape,
  Input,
  leakyRelu,
  Random,
  relu,
  ReLU,
  Sequential,
  sigmoid,
  Sigmoid,
  silu,
  softmaxCrossEntropy,
  tanh,
  Tanh,
  Tensor,
  withScope,
  type Initializer,
  type Layer,
} from 'convnet-ts';
import { onHeap } from '../onHeap.js';
import type { Page } from '../page.js';
import { choice, element, expose, markReady, section, slider } from '../ui.js';

Chart.register(...registerables);

/** The x range of the curves. */
const X_MIN = -4;
const X_MAX = 4;
const CURVE_POINTS = 401;
/** Where the page publishes f and f' for the tests: both sides of 0, the kink, and the tails. */
const SAMPLE_XS = [-4, -2, -1, -0.75, -0.5, 0, 0.25, 0.5, 1, 2, 4];

interface Activation {
  id: string;
  name: string;
  formula: string;
  note: string;
  /** The slope or scale parameter of leaky ReLU and ELU. */
  alpha?: { value: number; min: number; max: number; step: number; label: string };
  apply(input: Tensor, alpha: number): Tensor;
}

const ACTIVATIONS: readonly Activation[] = [
  {
    id: 'relu',
    name: 'ReLU',
    formula: 'max(0, x)',
    note:
      'Derivative 1 for x > 0 and 0 below: a gradient passes unchanged through an active unit and not ' +
      'at all through an inactive one (the toolkit takes 0 at x = 0).',
    apply: (input) => relu(input),
  },
  {
    id: 'sigmoid',
    name: 'Sigmoid',
    formula: 'σ(x) = 1 / (1 + e^−x)',
    note:
      'σ′(x) = σ(x)(1 − σ(x)) is at most 0.25, at x = 0, and almost 0 once |x| > 4: the unit saturates ' +
      'and stops passing gradient.',
    apply: (input) => sigmoid(input),
  },
  {
    id: 'tanh',
    name: 'tanh',
    formula: '(e^x − e^−x) / (e^x + e^−x)',
    note:
      'tanh′(x) = 1 − tanh²(x) peaks at 1 and the output is centred on 0, but it saturates like the ' +
      'sigmoid (tanh(x) = 2σ(2x) − 1).',
    apply: (input) => tanh(input),
  },
  {
    id: 'leakyRelu',
    name: 'Leaky ReLU',
    formula: 'x if x > 0, else αx',
    note:
      'A small slope α below 0 keeps some gradient flowing through units that ReLU would switch off ' +
      "(the toolkit's default α is 0.01).",
    alpha: { value: 0.1, min: 0, max: 0.5, step: 0.01, label: 'α' },
    apply: (input, alpha) => leakyRelu(input, alpha),
  },
  {
    id: 'gelu',
    name: 'GELU',
    formula: 'x · Φ(x), Φ the normal CDF',
    note:
      'A smooth ReLU (BERT, GPT): x weighed by the chance that a standard normal falls below it. Its ' +
      'derivative dips below 0 for x < −0.75.',
    apply: (input) => gelu(input),
  },
  {
    id: 'elu',
    name: 'ELU',
    formula: 'x if x > 0, else α(e^x − 1)',
    note:
      'Negative outputs down to −α pull the mean activation toward 0; with α = 1 the derivative is ' +
      'continuous at 0.',
    alpha: { value: 1, min: 0.1, max: 2, step: 0.1, label: 'α' },
    apply: (input, alpha) => elu(input, alpha),
  },
  {
    id: 'silu',
    name: 'SiLU (Swish)',
    formula: 'x · σ(x)',
    note: 'Self-gated: like GELU, smooth and not monotonic; its derivative rises a little above 1 near x = 2.4.',
    apply: (input) => silu(input),
  },
];

/** f and f' at each of `xs`, as the toolkit computes them. */
interface Evaluation {
  values: Float32Array;
  derivatives: Float32Array;
}

/**
 * Runs the op on `xs` under a GradientTape and backpropagates a seed of ones. The op is elementwise,
 * so the gradient of sum(f(x)) at x[i] is f'(x[i]): one backward pass gives the whole derivative curve.
 */
function evaluate(activation: Activation, xs: ArrayLike<number>, alpha: number): Evaluation {
  return withScope(() => {
    const input = Tensor.fromArray(xs, [xs.length]);
    const tape = new GradientTape([input]);
    const output = tape.run(() => activation.apply(input, alpha));
    const [dInput] = tape.gradient(output, [input]);
    // Copied out: on the WebAssembly backend the scope's tensors are freed when it closes.
    return { values: Float32Array.from(output.dataSync()), derivatives: Float32Array.from(dInput!.dataSync()) };
  });
}

const CURVE_XS = Float32Array.from(
  { length: CURVE_POINTS },
  (_, index) => X_MIN + ((X_MAX - X_MIN) * index) / (CURVE_POINTS - 1),
);

const FUNCTION_COLOR = '#2f6fdf';
const DERIVATIVE_COLOR = '#d9480f';
const TANH_COLOR = '#2b8a3e';

const SUPERSCRIPTS: Record<string, string> = {
  '-': '⁻',
  0: '⁰',
  1: '¹',
  2: '²',
  3: '³',
  4: '⁴',
  5: '⁵',
  6: '⁶',
  7: '⁷',
  8: '⁸',
  9: '⁹',
};

/** Labels the powers of ten of a log axis (10⁻³) and leaves the ticks between them bare. */
function powerOfTen(value: number | string): string {
  const exponent = Math.log10(Number(value));
  if (Math.abs(exponent - Math.round(exponent)) > 1e-9) return '';
  return `10${String(Math.round(exponent)).replace(/./g, (character) => SUPERSCRIPTS[character] ?? character)}`;
}

/** The x = 0 and y = 0 grid lines darker than the rest, as axes. */
function axisColor(context: { tick?: { value: number } }): string {
  return context.tick?.value === 0 ? '#9aa3b2' : '#e9ecf1';
}

function format(value: number): string {
  return Object.is(value, -0) ? '0.000000' : value.toFixed(6);
}

/** A vertical line at the reading's x with dots on both curves, redrawn on every chart.draw(). */
function markerPlugin(reading: { x: number; value: number; derivative: number }): Plugin<'line'> {
  return {
    id: 'activationMarker',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x!.getPixelForValue(reading.x);
      ctx.save();
      ctx.beginPath();
      ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
      ctx.clip();
      ctx.strokeStyle = '#8a93a3';
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      for (const [value, color] of [
        [reading.value, FUNCTION_COLOR],
        [reading.derivative, DERIVATIVE_COLOR],
      ] as const) {
        ctx.fillStyle = color;
        ctx.beginPath();
        ctx.arc(x, scales.y!.getPixelForValue(value), 4, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.restore();
    },
  };
}

interface CardState {
  activation: Activation;
  alpha: number;
  curve: Evaluation;
  reading: { x: number; value: number; derivative: number };
  chart: Chart<'line', CurvePoint[]>;
  readout: HTMLElement;
}

type CurvePoint = { x: number; y: number };

function curveDatasets(curve: Evaluation): ChartDataset<'line', CurvePoint[]>[] {
  const points = (values: Float32Array) => Array.from(CURVE_XS, (x, index) => ({ x, y: values[index]! }));
  return [
    { label: 'f(x)', data: points(curve.values), borderColor: FUNCTION_COLOR, borderWidth: 2, pointRadius: 0 },
    {
      label: 'f′(x)',
      data: points(curve.derivatives),
      borderColor: DERIVATIVE_COLOR,
      borderWidth: 2,
      borderDash: [6, 4],
      pointRadius: 0,
    },
  ];
}

// ---- Vanishing gradients ------------------------------------------------------------------------

const NETWORK_WIDTH = 32;
const BATCH = 32;
const CLASSES = 10;

type NetworkActivation = 'sigmoid' | 'relu' | 'tanh';
type InitializerChoice = 'recommended' | 'glorotUniform' | 'heNormal';

interface NetworkGradients {
  activation: NetworkActivation;
  initializer: Initializer;
  /** mean |dL/dW| of each hidden layer's kernel, layer 1 (next to the input) first. */
  magnitudes: number[];
  loss: number;
  /**
   * Root mean square of the last hidden layer's outputs over the batch: how much of the input's signal (RMS 1) got
   * through.
   */
  hiddenRms: number;
}

/**
 * He initialisation suits ReLU (it makes up for the half of units that are off), Glorot the symmetric sigmoid and tanh.
 */
function initializerFor(activation: NetworkActivation, choice: InitializerChoice): Initializer {
  if (choice !== 'recommended') return choice;
  return activation === 'relu' ? 'heNormal' : 'glorotUniform';
}

/** One batch of standard normal inputs [BATCH, NETWORK_WIDTH] and one-hot random labels [BATCH, CLASSES]. */
function randomBatch(seed: number): { inputs: Tensor; targets: Tensor } {
  const random = new Random(seed);
  const inputs = Tensor.fromArray(
    Array.from({ length: BATCH * NETWORK_WIDTH }, () => random.normal()),
    [BATCH, NETWORK_WIDTH],
  );
  const targets = Tensor.zeros([BATCH, CLASSES]);
  for (let row = 0; row < BATCH; row++) targets.dataSync()[row * CLASSES + random.integer(CLASSES)] = 1;
  return { inputs, targets };
}

/**
 * Input -> depth x (Dense(32) -> activation) -> Dense(10), weights seeded by `seed`; the softmax
 * cross-entropy of one batch backpropagated with a GradientTape; mean |dL/dW| of each hidden kernel.
 */
function layerGradients(
  activation: NetworkActivation,
  depth: number,
  initializer: Initializer,
  seed: number,
  batch: { inputs: Tensor; targets: Tensor },
): NetworkGradients {
  // Every control change re-runs with new models: on the heap, so the old ones go with them.
  const model = onHeap(() => {
    const layers: Layer[] = [new Input({ shape: [NETWORK_WIDTH] })];
    for (let index = 0; index < depth; index++) {
      layers.push(new Dense({ units: NETWORK_WIDTH, kernelInitializer: initializer }));
      layers.push(activation === 'sigmoid' ? new Sigmoid() : activation === 'tanh' ? new Tanh() : new ReLU());
    }
    layers.push(new Dense({ units: CLASSES, kernelInitializer: 'glorotUniform' }));
    return new Sequential(layers, { seed });
  });
  const kernels = model.layers
    .filter((layer): layer is Dense => layer instanceof Dense)
    .slice(0, depth)
    .map((layer) => layer.kernel!);
  return withScope(() => {
    const tape = new GradientTape(model.trainableWeights());
    let squares = 0;
    let count = 0;
    const lastHidden = 2 * depth;
    const { loss } = tape.run(() =>
      softmaxCrossEntropy(
        model.forward(batch.inputs, {
          onOutput(layerIndex, output) {
            if (layerIndex !== lastHidden) return;
            for (const value of output.dataSync()) squares += value * value;
            count = output.size;
          },
        }),
        batch.targets,
      ),
    );
    const gradients = tape.gradient(loss, kernels);
    const magnitudes = gradients.map((gradient) => {
      let sum = 0;
      for (const value of gradient.dataSync()) sum += Math.abs(value);
      return sum / gradient.size;
    });
    return { activation, initializer, magnitudes, loss: loss.dataSync()[0]!, hiddenRms: Math.sqrt(squares / count) };
  });
}

/** The loss of a network whose outputs are all equal: every one of the classes gets 1/CLASSES, chance. */
const CHANCE_LOSS = Math.log(CLASSES);

/**
 * Whether the forward signal died out before the output (ReLU under Glorot: each layer halves its
 * variance), leaving the loss at chance: then every layer's gradient is small alike, and "about the
 * same size" across the layers would read as health when it is not.
 */
function hasFaded(network: NetworkGradients): boolean {
  return network.hiddenRms < 0.1 && Math.abs(network.loss - CHANCE_LOSS) < 0.02;
}

function fadedText(network: NetworkGradients): string {
  const largest = Math.max(...network.magnitudes);
  return (
    `. But the signal faded on the way forward: the last hidden layer's outputs have an RMS of ` +
    `${network.hiddenRms.toExponential(1)} (the inputs' is 1), ` +
    `so the ${CLASSES} outputs are all about equal, the loss sits at chance, ln ${CLASSES} = ` +
    `${CHANCE_LOSS.toFixed(3)}, and every layer's gradient is small alike ` +
    `(at most ${largest.toExponential(1)}): evenly starved, not healthy`
  );
}

function ratioText(network: NetworkGradients): string {
  const first = network.magnitudes[0]!;
  const last = network.magnitudes[network.magnitudes.length - 1]!;
  const ratio = first / last;
  const orders = Math.log10(ratio);
  const size =
    Math.abs(orders) < 1
      ? 'about the same size as'
      : `${Math.abs(orders).toFixed(1)} orders of magnitude ${orders < 0 ? 'smaller than' : 'larger than'}`;
  return (
    `layer 1 gets ${first.toExponential(2)}, ${size} layer ${network.magnitudes.length}'s ` +
    `${last.toExponential(2)} (ratio ${ratio.toExponential(2)})`
  );
}

const NETWORK_STYLE: Record<NetworkActivation, { label: string; color: string }> = {
  sigmoid: { label: 'sigmoid', color: DERIVATIVE_COLOR },
  relu: { label: 'ReLU', color: FUNCTION_COLOR },
  tanh: { label: 'tanh', color: TANH_COLOR },
};

export const activationsPage: Page = {
  id: 'activations',
  title: 'Activations',
  mount(root) {
    const charts: { destroy(): void }[] = [];
    const cards: CardState[] = [];
    let currentX = 0.5;

    // ---- Functions and derivatives ----
    const xSlider = slider(
      'x',
      { min: X_MIN, max: X_MAX, step: 0.01, value: currentX, id: 'activation-x', format: (value) => value.toFixed(2) },
      (value) => setX(value),
    );
    const grid = element('div', { class: 'activation-grid' });

    function read(card: CardState): void {
      const point = evaluate(card.activation, [currentX], card.alpha);
      card.reading.x = currentX;
      card.reading.value = point.values[0]!;
      card.reading.derivative = point.derivatives[0]!;
      card.readout.replaceChildren(
        element('span', { class: 'activation-f' }, `f(${currentX.toFixed(2)}) = ${format(card.reading.value)}`),
        element('span', { class: 'activation-df' }, `f′(${currentX.toFixed(2)}) = ${format(card.reading.derivative)}`),
      );
    }

    function setX(value: number): void {
      currentX = Math.min(X_MAX, Math.max(X_MIN, Math.round(value * 100) / 100));
      xSlider.set(currentX);
      for (const card of cards) {
        read(card);
        card.chart.draw();
      }
      publish();
    }

    for (const activation of ACTIVATIONS) {
      const canvas = element('canvas', {
        role: 'img',
        'aria-label':
          `${activation.name} (${activation.formula}) and its derivative for x from ${X_MIN} to ` +
          `${X_MAX}; the readout below gives the values at x`,
      });
      const readout = element('div', { class: 'activation-readout mono', 'data-activation': activation.id });
      const reading = { x: currentX, value: 0, derivative: 0 };
      const alpha = activation.alpha?.value ?? 0;
      const curve = evaluate(activation, CURVE_XS, alpha);
      const chart = new Chart<'line', CurvePoint[]>(canvas, {
        type: 'line',
        data: { datasets: curveDatasets(curve) },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          parsing: false,
          events: [],
          scales: {
            x: { type: 'linear', min: X_MIN, max: X_MAX, ticks: { stepSize: 1 }, grid: { color: axisColor } },
            // Grid lines every 0.5, labels on whole numbers only; the same scale on every card, so slopes compare.
            y: {
              min: -1.5,
              max: 3,
              ticks: {
                stepSize: 0.5,
                autoSkip: false,
                callback: (value) => (Number.isInteger(value) ? String(value) : ''),
              },
              grid: { color: axisColor },
            },
          },
          plugins: { legend: { display: false }, tooltip: { enabled: false } },
        },
        plugins: [markerPlugin(reading)],
      });
      charts.push(chart);
      const card: CardState = { activation, alpha, curve, reading, chart, readout };
      cards.push(card);
      // Hovering (or dragging a finger over) a chart moves x everywhere.
      canvas.addEventListener('pointermove', (event) => {
        const x = chart.scales.x!.getValueForPixel(event.offsetX);
        if (x !== undefined && x >= X_MIN && x <= X_MAX) setX(x);
      });
      const alphaControl =
        activation.alpha === undefined
          ? []
          : [
              slider(activation.alpha.label, { ...activation.alpha, id: `alpha-${activation.id}` }, (value) => {
                card.alpha = value;
                card.curve = evaluate(activation, CURVE_XS, value);
                chart.data.datasets = curveDatasets(card.curve);
                read(card);
                chart.update('none');
                publish();
              }).root,
            ];
      read(card);
      grid.append(
        element(
          'div',
          { class: 'activation-card', 'data-activation': activation.id },
          element('h3', {}, activation.name, ' ', element('span', { class: 'activation-formula' }, activation.formula)),
          element('div', { class: 'activation-chart' }, canvas),
          readout,
          ...alphaControl,
          element('p', { class: 'activation-note' }, activation.note),
        ),
      );
    }

    const legend = element(
      'div',
      { class: 'activation-legend' },
      element('span', { class: 'activation-f' }, '━ f(x)'),
      element('span', { class: 'activation-df' }, '╍ f′(x), by GradientTape'),
    );

    // ---- Vanishing gradients ----
    let depth = 12;
    let seed = 1;
    let initializerChoice: InitializerChoice = 'recommended';
    let isTanhShown = false;
    let networks: NetworkGradients[] = [];
    let runs = 0;

    const depthSlider = slider('depth', { min: 4, max: 20, value: depth, id: 'vanishing-depth' }, (value) => {
      depth = value;
      run();
    });
    const initializerSelect = choice(
      'initialisation',
      [
        { value: 'recommended', text: 'Glorot for sigmoid and tanh, He for ReLU' },
        { value: 'glorotUniform', text: 'Glorot uniform for all' },
        { value: 'heNormal', text: 'He normal for all' },
      ],
      initializerChoice,
      (value) => {
        initializerChoice = value as InitializerChoice;
        run();
      },
      'vanishing-init',
    );
    const seedInput = element('input', {
      type: 'number',
      min: '0',
      step: '1',
      value: String(seed),
      id: 'vanishing-seed',
      title: 'A whole number, 0 or more',
    });
    const seedError = element('p', { class: 'error', id: 'vanishing-seed-error', role: 'alert' });
    seedInput.addEventListener('change', () => {
      const value = Number(seedInput.value);
      if (seedInput.value.trim() === '' || !Number.isSafeInteger(value) || value < 0) {
        // Say what is allowed, and that the old seed stays, rather than revert without a word.
        seedError.textContent =
          `A seed is a whole number, 0 or more (not ` +
          `${seedInput.value.trim() === '' ? 'empty' : seedInput.value}); the chart still uses seed ${seed}.`;
        seedInput.value = String(seed);
        return;
      }
      seedError.textContent = '';
      seed = value;
      run();
    });
    const newSeed = element('button', { type: 'button', id: 'vanishing-rerun' }, 'Re-run with a new seed');
    newSeed.addEventListener('click', () => {
      seed += 1;
      seedInput.value = String(seed);
      seedError.textContent = '';
      run();
    });
    const tanhBox = element('input', { type: 'checkbox', id: 'vanishing-tanh' });
    tanhBox.addEventListener('change', () => {
      isTanhShown = tanhBox.checked;
      run();
    });
    const gradientCanvas = element('canvas', {
      role: 'img',
      'aria-label': 'Mean absolute weight gradient per hidden layer, log scale; the list below gives the numbers',
    });
    const gradientChart = new Chart<'line', number[], string>(gradientCanvas, {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            title: { display: true, text: 'hidden layer (1 = next to the input, backpropagation reaches it last)' },
          },
          y: {
            type: 'logarithmic',
            title: { display: true, text: 'mean |∂L/∂W| (log scale)' },
            ticks: { callback: powerOfTen },
          },
        },
        plugins: {
          tooltip: {
            callbacks: { label: (item) => `${item.dataset.label}: ${(item.parsed.y ?? 0).toExponential(3)}` },
          },
        },
      },
    });
    charts.push(gradientChart);
    const summary = element('ul', { class: 'vanishing-summary' });

    function run(): void {
      const batch = randomBatch(seed);
      const activations: NetworkActivation[] = isTanhShown ? ['sigmoid', 'tanh', 'relu'] : ['sigmoid', 'relu'];
      networks = activations.map((activation) =>
        layerGradients(activation, depth, initializerFor(activation, initializerChoice), seed, batch),
      );
      runs += 1;
      gradientChart.data.labels = Array.from({ length: depth }, (_, index) => String(index + 1));
      gradientChart.data.datasets = networks.map((network) => ({
        label: `${NETWORK_STYLE[network.activation].label} (${network.initializer})`,
        data: network.magnitudes,
        borderColor: NETWORK_STYLE[network.activation].color,
        backgroundColor: NETWORK_STYLE[network.activation].color,
        borderWidth: 2,
        pointRadius: 3,
      }));
      gradientChart.update('none');
      summary.replaceChildren(
        ...networks.map((network) =>
          element(
            'li',
            { 'data-network': network.activation },
            element(
              'strong',
              { style: `color: ${NETWORK_STYLE[network.activation].color}` },
              `${NETWORK_STYLE[network.activation].label}: `,
            ),
            ratioText(network),
            hasFaded(network) ? fadedText(network) : '',
            `; loss ${network.loss.toFixed(3)}`,
          ),
        ),
      );
      publish();
    }

    function publish(): void {
      const functions: Record<string, unknown> = {};
      for (const card of cards) {
        const samples = evaluate(card.activation, SAMPLE_XS, card.alpha);
        let maxDerivative = -Infinity;
        let minDerivative = Infinity;
        for (const value of card.curve.derivatives) {
          maxDerivative = Math.max(maxDerivative, value);
          minDerivative = Math.min(minDerivative, value);
        }
        functions[card.activation.id] = {
          name: card.activation.name,
          alpha: card.activation.alpha === undefined ? null : card.alpha,
          samples: { x: SAMPLE_XS, value: Array.from(samples.values), derivative: Array.from(samples.derivatives) },
          reading: { ...card.reading },
          maxDerivative,
          minDerivative,
        };
      }
      expose('activations', {
        x: currentX,
        range: [X_MIN, X_MAX],
        functions,
        vanishing: {
          depth,
          seed,
          runs,
          width: NETWORK_WIDTH,
          batch: BATCH,
          classes: CLASSES,
          initializer: initializerChoice,
          networks: Object.fromEntries(networks.map((network) => [network.activation, network])),
        },
      });
    }

    root.append(
      element('h1', {}, 'Activations'),
      element(
        'p',
        { class: 'lead' },
        'A neuron adds up its weighted inputs and passes the sum through an activation function f. Without ' +
          'one, a stack of layers ' +
          'collapses into a single linear map; with one, the network can bend. Training needs f′ as well: ' +
          'backpropagation multiplies ' +
          'the gradient by f′ at every layer it passes.',
      ),
      section(
        'Functions and their derivatives',
        `Each curve is computed by the toolkit: f by its op (relu, sigmoid, tanh, leakyRelu, gelu, elu, ` +
          `silu) on ${CURVE_POINTS} points, ` +
          'and f′ by backpropagating through that op with a GradientTape, not by a formula typed in here. ' +
          'Move x, or hover over a chart.',
        element('div', { class: 'controls' }, xSlider.root, legend),
        grid,
      ),
      section(
        'Vanishing gradients',
        `A fully connected network: ${NETWORK_WIDTH} random inputs, then hidden layers of ${NETWORK_WIDTH} ` +
          `units (as many as the depth ` +
          `control says), then ${CLASSES} outputs and ` +
          `a softmax cross-entropy loss against random labels. The toolkit runs one batch of ${BATCH} ` +
          `forward and backward and the chart ` +
          'shows, per hidden layer, the mean absolute gradient of its weights. Backpropagation multiplies ' +
          'by f′ once per layer on the ' +
          'way to the input. σ′ is at most 0.25, so each sigmoid layer shrinks the gradient about fourfold ' +
          'or more, and the first ' +
          "layers, which learn at the rate of their gradient, barely learn. ReLU's derivative is 1 wherever " +
          'a unit is active, and He ' +
          'initialisation (Var W = 2 / fan-in) makes up for the half of the units that are off, so its ' +
          'gradient keeps its size. ' +
          `Glorot initialisation gives ReLU only Var W = 2 / (fan-in + fan-out) = 1 / ${NETWORK_WIDTH} ` +
          `here, half of He\u2019s: each layer then halves the signal\u2019s variance on the way forward ` +
          'and the gradient\u2019s on the way back. Its layers still get gradients of about the same size ' +
          'as one another, but all of them small, and the loss stays at chance: try "Glorot uniform for all".',
        element(
          'div',
          { class: 'controls' },
          depthSlider.root,
          initializerSelect.root,
          element('label', { class: 'control' }, 'seed (0, 1, 2, \u2026) ', seedInput),
          newSeed,
          element('label', { class: 'control' }, tanhBox, ' also tanh'),
        ),
        seedError,
        element('div', { class: 'vanishing-chart' }, gradientCanvas),
        summary,
      ),
    );

    run();
    markReady(root);
    return () => {
      for (const chart of charts) chart.destroy();
    };
  },
};
