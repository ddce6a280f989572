// Small PyTorch networks with the operators of segmentation decoders and imported graphs, exported
// by PyTorch (tools/exportTorchLayers.py, with Debian's python3-torch and python3-onnx; skipped,
// saying so, where they are missing) at opsets 11 and 17: ConvTranspose2d (output_padding, groups,
// dilation, no bias), torch.maximum / torch.minimum (with scalar and per-channel constants), powers
// and sqrt, and a two-headed net returning ('out', 'aux'). Each imports, and every output is
// onnxruntime-node's within 1e-5 of its range (maps compared in ONNX's NCHW order).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { decodeNpy, importedInput, importOnnx, Tensor, toChannelsFirst } from '../../src/index.js';
import { hasPythonModules, repoRoot } from '../helpers.js';

/** Debian's python3, by absolute path: another python3 earlier on PATH may lack Debian's torch. */
const PYTHON = '/usr/bin/python3';
const hasTorch = hasPythonModules(PYTHON, ['torch', 'onnx']);
const RELATIVE_TOLERANCE = 1e-5;
const OPSETS = [11, 17] as const;
const NETWORKS = ['upsample', 'elementwise', 'twoheads'] as const;

interface Exported {
  model: string;
  opset: number;
  onnx?: string;
  outputs?: string[];
  error?: string;
}

/** Every network at every opset of OPSETS, in one python process (starting torch takes longer than the exports). */
function exportNetworks(folder: string): Promise<Exported[]> {
  const args = [join(repoRoot, 'tools', 'exportTorchLayers.py'), '--opset', ...OPSETS.map(String), '--out', folder];
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`exportTorchLayers.py failed: ${error.message}\n${stderr.slice(-2000)}`));
        return;
      }
      resolve(
        stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Exported),
      );
    });
  });
}

describe('PyTorch ConvTranspose, Min/Max/Pow/Sqrt and two-output networks import and match onnxruntime-node', {
  skip: hasTorch ? false : `${PYTHON} has no torch and onnx (Debian's python3-torch, python3-onnx)`,
}, () => {
  let folder = '';
  const exports = new Map<number, Map<string, Exported>>();

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'convnet-torch-layers-'));
    for (const result of await exportNetworks(folder)) {
      if (!exports.has(result.opset)) exports.set(result.opset, new Map());
      exports.get(result.opset)!.set(result.model, result);
    }
  });

  after(() => {
    if (folder !== '') rmSync(folder, { recursive: true, force: true });
  });

  for (const name of NETWORKS) {
    for (const opset of OPSETS) {
      test(
        `${name}, opset ${opset}: every output within ${RELATIVE_TOLERANCE} of its range of ` + `onnxruntime-node's`,
        async (context) => {
          const result = exports.get(opset)?.get(name);
          assert.ok(
            result?.onnx !== undefined && result.outputs !== undefined,
            `${name} at opset ${opset} was not exported: ${result?.error ?? 'no result'}`,
          );
          const bytes = readFileSync(result.onnx);
          const input = decodeNpy(readFileSync(join(folder, 'input.npy')));
          const { model, inputLayout, outputLayouts } = importOnnx(bytes, `${name}.onnx`);
          assert.deepEqual(model.outputNames, result.outputs);
          const ours = model.forwardOutputs(
            importedInput(Tensor.fromArray(input.data as Float32Array, input.shape), inputLayout),
          );
          const expected = await (await ort.InferenceSession.create(bytes)).run({
            input: new ort.Tensor('float32', input.data as Float32Array, input.shape),
          });
          for (const output of result.outputs) {
            const actual = ours[output]!;
            const wanted = expected[output]!.data as Float32Array;
            const values =
              actual.rank === 4 && outputLayouts[output] === 'NCHW'
                ? toChannelsFirst(
                    actual.dataSync() as Float32Array,
                    actual.shape[1]!,
                    actual.shape[2]!,
                    actual.shape[3]!,
                  )
                : actual.dataSync();
            assert.equal(values.length, wanted.length, `${name} ${output}: size`);
            let largest = 0;
            for (let index = 0; index < wanted.length; index++)
              largest = Math.max(
                largest,
                Math.abs(values[index]! - wanted[index]!) || 0,
                Number.isNaN(values[index]!) ? Infinity : 0,
              );
            const range = Math.max(...wanted) - Math.min(...wanted);
            context.diagnostic(
              `${name} opset ${opset} '${output}': max |ours - onnxruntime| ${largest.toExponential(2)}, ` +
                `range ${range.toPrecision(4)}`,
            );
            assert.ok(
              largest <= RELATIVE_TOLERANCE * range,
              `${name} opset ${opset} '${output}': ${largest} > ${RELATIVE_TOLERANCE} x ${range}`,
            );
          }
        },
      );
    }
  }
});
