// `convnet inspect`: a model as the importer sees it, before anything runs. For an ONNX file, one line
// per node: its operator and name, what it became (layers, folded shape arithmetic, a constant, passed
// through, or fused into a layer) and its output shape; for a graph with operators the importer does
// not map, every such operator with its count and first node (exit code 2). For a TF.js model, one line
// per layer and the layers it became; for a native model folder, its summary. Then the input, classes
// and preprocessing the model carries. Names come from the file: every one is escaped (terminalText).

import {
  importOnnx,
  importTfjsModel,
  MAX_ONNX_FILE_BYTES,
  readRegularFile,
  UnsupportedOperatorsError,
  type Model,
  type OnnxNodeTrace,
  type TfjsLayerTrace,
  type UnsupportedOnnxOperator,
} from '../../src/index.js';
import { describePreprocessing } from './import.js';
import { summaryText } from './summary.js';
import { loadAnyModel, tfjsModelJsonOf } from '../loadCliModel.js';
import { jsonLine, terminalText } from '../terminalText.js';
import { EXIT_USAGE } from '../usageError.js';

export interface InspectOptions {
  json: boolean;
}

/** The rows of the node or layer table: source, what it became, shape. */
interface Row {
  source: string;
  became: string;
  shape: string;
}

function layersText(layers: readonly { name: string; className: string }[]): string {
  return layers.map((layer) => `${layer.className} ${layer.name}`).join(', ');
}

function onnxRow(node: OnnxNodeTrace): Row {
  const became =
    node.became === 'layers'
      ? layersText(node.layers)
      : node.became === 'fused'
        ? `fused into ${layersText(node.layers)}`
        : node.became;
  return {
    source: `${node.opType} ${node.name === '' ? '(unnamed)' : node.name}`,
    became,
    shape: `[${node.outputShape.join(', ')}]`,
  };
}

function tfjsRow(layer: TfjsLayerTrace): Row {
  const became = layer.layers.length === 0 ? 'passed through' : layersText(layer.layers);
  return {
    source: `${layer.className} ${layer.name}`,
    became: layer.isInModel ? became : `${became} (off the path to the output: left out)`,
    shape: `[${layer.outputShape.join(', ')}]`,
  };
}

/** Rows as aligned columns (widths capped so one long name does not push every line far right). */
function table(header: Row, rows: readonly Row[]): string {
  const width = (key: keyof Row) => Math.min(48, Math.max(...[header, ...rows].map((row) => row[key].length)));
  const sourceWidth = width('source');
  const becameWidth = width('became');
  return [header, ...rows]
    .map(
      (row) =>
        `${terminalText(row.source).padEnd(sourceWidth)}  ` +
        `${terminalText(row.became).padEnd(becameWidth)}  ${row.shape}`,
    )
    .join('\n');
}

/** The model's input, classes and preprocessing, as lines. */
function carried(model: Model): string {
  const names = model.classNames;
  const shown =
    names === undefined
      ? 'no class names'
      : `names ${names
          .slice(0, 5)
          .map((name) => terminalText(name))
          .join(', ')}${names.length > 5 ? ', ...' : ''}`;
  const preprocessing =
    model.preprocessing === undefined
      ? 'none (images stretched to the input, values 0..1)'
      : describePreprocessing(model.preprocessing);
  return (
    `Input [${model.inputShape.join(', ')}] (NHWC), output ${model.output}, ${model.classes} classes ` +
    `(${shown})\nPreprocessing: ${preprocessing}\n`
  );
}

function unsupportedText(operators: readonly UnsupportedOnnxOperator[]): string {
  const rows = operators.map((operator) => ({
    source: operator.opType,
    became: `${operator.count} node${operator.count === 1 ? '' : 's'}`,
    shape: `first ${terminalText(operator.firstNode)}`,
  }));
  return table({ source: 'operator', became: 'count', shape: 'first node' }, rows);
}

/** Runs the command; returns the exit code (2 for a model that cannot be imported). */
export function inspect(path: string, options: InspectOptions): number {
  if (path.toLowerCase().endsWith('.onnx')) {
    const bytes = readRegularFile(path, { maxBytes: MAX_ONNX_FILE_BYTES, what: 'an ONNX file' });
    let imported: ReturnType<typeof importOnnx>;
    try {
      imported = importOnnx(bytes, path);
    } catch (error) {
      if (!(error instanceof UnsupportedOperatorsError)) throw error;
      const count = error.operators.length;
      process.stderr.write(
        `convnet: error: ${terminalText(path)} cannot be imported: ${count} unsupported ` +
          `operator${count === 1 ? '' : 's'}\n`,
      );
      process.stdout.write(
        options.json
          ? jsonLine({ model: path, kind: 'onnx', unsupported: error.operators })
          : `Unsupported operators in ${terminalText(path)}:\n${unsupportedText(error.operators)}\n`,
      );
      return EXIT_USAGE;
    }
    const { model, nodes, inputLayout, onnxInputShape } = imported;
    if (options.json) {
      process.stdout.write(
        jsonLine({ model: path, kind: 'onnx', inputLayout, onnxInputShape, nodes, ...carriedJson(model) }),
      );
      return 0;
    }
    const header =
      `ONNX model ${terminalText(path)}: input ${inputLayout} [${onnxInputShape.join(', ')}], ` +
      `${nodes.length} nodes, ${model.layers.length} layers\n`;
    process.stdout.write(
      `${header}${table({ source: 'node', became: 'became', shape: 'output (NHWC, no batch)' }, nodes.map(onnxRow))}\n${carried(model)}`,
    );
    return 0;
  }
  const tfjsModelJson = tfjsModelJsonOf(path);
  if (tfjsModelJson !== null) {
    const trace: TfjsLayerTrace[] = [];
    const model = importTfjsModel(tfjsModelJson, trace);
    if (options.json) {
      process.stdout.write(jsonLine({ model: path, kind: 'tfjs', layers: trace, ...carriedJson(model) }));
      return 0;
    }
    const header = `TF.js model ${terminalText(path)}: ${trace.length} layers, ${model.layers.length} after import\n`;
    process.stdout.write(
      `${header}${table({ source: 'TF.js layer', became: 'became', shape: 'output' }, trace.map(tfjsRow))}\n${carried(model)}`,
    );
    return 0;
  }
  const { model } = loadAnyModel(path);
  if (options.json) {
    process.stdout.write(
      jsonLine({ model: path, kind: 'native', summary: model.summaryData(), ...carriedJson(model) }),
    );
    return 0;
  }
  process.stdout.write(`Model ${terminalText(path)}\n${summaryText(model)}\n${carried(model)}`);
  return 0;
}

function carriedJson(model: Model): Record<string, unknown> {
  return {
    inputShape: [...model.inputShape],
    output: model.output,
    classes: model.classes,
    classNames: model.classNames ?? null,
    preprocessing: model.preprocessing ?? null,
  };
}
