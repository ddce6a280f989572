// The job-record layouts shared by the TypeScript and AssemblyScript sides (src/kernels/wasm/jobLayout.ts): the
// generated assembly/jobFields.ts is current, the pooling layouts keep the geometry where assembly/job.ts reads it
// in place, every described kernel (WASM_BINDINGS) fits its layout, every kernel but the convolutions is described
// and the convolutions' assembly reads only fields of their one layout, and float64 data runs the reference kernel
// (the one fallback rule) while float32 data runs the SIMD kernel with its f32 fields.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { WRITTEN_BUFFERS } from '../../../src/kernels/dispatch.js';
import { referenceBackend } from '../../../src/kernels/js/referenceBackend.js';
import { JOB_LAYOUTS, type JobLayout } from '../../../src/kernels/wasm/jobLayout.js';
import { createWasmBackend, layoutOf, WASM_BINDINGS } from '../../../src/kernels/wasm/wasmBackend.js';
import { repoRoot } from '../../helpers.js';

/** JOB_FIELDS of wasmBackend.ts: the 4-byte fields of the one job record. */
const JOB_FIELDS = 53;

const generator = (await import(pathToFileURL(join(repoRoot, 'tools', 'generateJobFields.mjs')).href)) as {
  jobFieldsSource: (layouts: typeof JOB_LAYOUTS) => string;
  jobShapesSource: (layouts: typeof JOB_LAYOUTS) => string;
};

describe('job record layouts', () => {
  test('assembly/jobFields.ts is what tools/generateJobFields.mjs makes of JOB_LAYOUTS', () => {
    const written = readFileSync(join(repoRoot, 'assembly', 'jobFields.ts'), 'utf8');
    assert.equal(written, generator.jobFieldsSource(JOB_LAYOUTS), 'run node tools/generateJobFields.mjs');
    assert.match(written, /export const enum ActivationJob \{\n {2}input = 0,\n {2}output = 1,\n {2}size = 2,\n/);
    assert.match(written, /export const enum AvgPool2dJob \{[^}]*\n {2}countIncludePad = 15,\n {2}padBottom = 16,\n/);
  });

  test('src/kernels/wasm/jobShapes.ts, what the backend reads, is what the generator makes of JOB_LAYOUTS', () => {
    const written = readFileSync(join(repoRoot, 'src', 'kernels', 'wasm', 'jobShapes.ts'), 'utf8');
    assert.equal(written, generator.jobShapesSource(JOB_LAYOUTS), 'run node tools/generateJobFields.mjs');
    assert.match(written, /\n {2}activation: '2iff',\n/);
    assert.match(written, /\n {2}matMul: '3si5',\n/);
    assert.match(written, /\n {2}adamUpdate: '4if8',\n/);
  });

  test('each layout fits the job record and names each field once', () => {
    for (const [name, layout] of Object.entries(JOB_LAYOUTS) as [string, JobLayout][]) {
      const names = [...layout.buffers, ...layout.fields.map(([field]) => field)];
      assert.ok(names.length <= JOB_FIELDS, `${name}: ${names.length} fields`);
      assert.equal(new Set(names).size, names.length, `${name}: ${names.join(', ')}`);
    }
  });

  test('the pooling geometry starts at field 3 of every pooling layout (poolGeometryOf reads it in place)', () => {
    const geometry = ['batch', 'inH', 'inW', 'channels', 'outH', 'outW', 'kH', 'kW', 'strideH', 'strideW'];
    for (const layout of [JOB_LAYOUTS.maxPool2d, JOB_LAYOUTS.maxPool2dBackprop, JOB_LAYOUTS.avgPool2d]) {
      assert.equal(layout.buffers.length, 3);
      assert.deepEqual(
        layout.fields.slice(0, 12).map(([field]) => field),
        [...geometry, 'padTop', 'padLeft'],
      );
    }
  });

  test('every described kernel fits its layout: buffers, written buffers and fields', () => {
    // A params record whose every property is 1 (the broadcast shapes and strides [1, 1, 1, 1, 1, 1]): enough to
    // count the fields a binding writes.
    const axes = new Set(['shape', 'aStrides', 'bStrides', 'outStrides']);
    const params = new Proxy({}, { get: (_, key) => (axes.has(String(key)) ? [1, 1, 1, 1, 1, 1] : 1) });
    for (const [id, binding] of Object.entries(WASM_BINDINGS)) {
      const layout: JobLayout = JOB_LAYOUTS[layoutOf(binding)];
      const referenceKernel = referenceBackend.kernels[id as keyof typeof WASM_BINDINGS];
      assert.ok(referenceKernel.length - 1 <= layout.buffers.length, `${id}: buffers`);
      const outputs = 'outputs' in binding ? binding.outputs : WRITTEN_BUFFERS[id as keyof typeof WASM_BINDINGS];
      assert.ok(outputs.length > 0, `${id}: writes something`);
      for (const position of outputs) assert.ok(position < layout.buffers.length, `${id}: output ${position}`);
      const fields = (binding.fields as (params: unknown) => readonly number[])(params);
      assert.ok(fields.length >= 1 && fields.length <= layout.fields.length, `${id}: ${fields.length} fields`);
      assert.equal('scratch' in binding, layout.hasScratch === true, `${id}: scratch`);
    }
    for (const id of ['BroadcastArithmetic', 'ReduceSumTo', 'RmsPropUpdate'] as const) {
      const binding = WASM_BINDINGS[id];
      const fields = (binding.fields as (params: unknown) => readonly number[])(params);
      assert.equal(fields.length, JOB_LAYOUTS[layoutOf(binding)].fields.length, `${id}: every field written`);
    }
  });

  test('every kernel but the three convolutions and ClipBiasAddGrad (two passes) is described in WASM_BINDINGS', () => {
    const undescribed = Object.keys(referenceBackend.kernels).filter((id) => !(id in WASM_BINDINGS));
    assert.deepEqual(undescribed.sort(), ['ClipBiasAddGrad', 'Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']);
  });

  test('every export the backend names (its ExportName type, the bindings) is a function export of each build', () => {
    // The backend ships no list of names: it indexes the module's own function exports (functionExportNames).
    const source = readFileSync(join(repoRoot, 'src', 'kernels', 'wasm', 'wasmBackend.ts'), 'utf8');
    const union = /\ntype ExportName =\n((?: {2}\| '\w+'\n?)+);/.exec(source);
    assert.ok(union !== null, 'wasmBackend.ts declares type ExportName as a union of names');
    const names = [...union[1]!.matchAll(/'(\w+)'/g)].map((match) => match[1]!);
    assert.ok(names.length >= 70 && names.includes('conv2d') && names.includes('spaceToDepth2'), names.join(', '));
    for (const binding of Object.values(WASM_BINDINGS)) assert.ok(names.includes(binding.export), binding.export);
    for (const build of ['convnet-simd.wasm', 'convnet-relaxed-threads.wasm']) {
      const module = new WebAssembly.Module(readFileSync(join(repoRoot, 'dist', 'wasm', build)));
      const functions = new Set(
        WebAssembly.Module.exports(module)
          .filter((description) => description.kind === 'function')
          .map((description) => description.name),
      );
      for (const name of names) assert.ok(functions.has(name), `${build} exports no function ${name}`);
    }
  });

  test("the convolutions' assembly reads its job record as the conv2d layout numbers it", () => {
    const numbers = new Map<string, number>();
    const layout: JobLayout = JOB_LAYOUTS.conv2d;
    const names = [...layout.buffers, 'scratch', 'scratchBytes', ...layout.fields.map(([field]) => field)];
    for (const [index, name] of names.entries()) numbers.set(name, index);
    const source = (file: string) => readFileSync(join(repoRoot, 'assembly', file), 'utf8');
    // The geometry and the epilogue are read in place, from the bytes of their first fields.
    assert.match(source('job.ts'), new RegExp(`changetype<ConvGeometry>\\(job \\+ ${numbers.get('batch')! * 4}\\)`));
    assert.match(
      source('epilogue.ts'),
      new RegExp(`changetype<Epilogue>\\(job \\+ ${numbers.get('residual')! * 4}\\)`),
    );
    // Every other field a convolution kernel reads by number is one the layout names for that role.
    const roles = new Map([
      [6, 'panelRows'],
      [20, 'variant'],
      [22, 'dilationH'],
      [23, 'dilationW'],
      [24, 'groups'],
      [29, 'isPreparedFilter'],
      [30, 'option'],
    ]);
    for (const file of ['conv2d.ts', 'winograd.ts', 'winograd4.ts', 'depthwise.ts']) {
      for (const match of source(file).matchAll(/(?:int|pointer|float)Field\(job, (\d+)\)/g)) {
        const field = Number(match[1]);
        if (field <= 3) continue;
        const role = roles.get(field);
        assert.ok(role !== undefined, `${file} reads field ${field}, which the conv2d layout gives no role`);
        assert.equal(numbers.get(role), field, `${file}: field ${field} is ${role}`);
      }
    }
  });
});

describe('the float64 fallback rule', async () => {
  const backend = await createWasmBackend({ threads: 1 });
  after(() => backend.dispose());

  test('LeakyRelu on float64 runs the reference kernel (alpha in float64)', () => {
    const input = new Float64Array([-0.5, 2, -3]);
    const output = new Float64Array(3);
    backend.kernels.LeakyRelu(input, output, { size: 3, alpha: 0.1 });
    assert.deepEqual([...output], [-0.5 * 0.1, 2, -3 * 0.1]);
  });

  test('LeakyRelu on float32 runs the SIMD kernel with alpha as an f32 field', () => {
    const input = new Float32Array([-0.5, 2, -3]);
    const output = new Float32Array(3);
    backend.kernels.LeakyRelu(input, output, { size: 3, alpha: 0.1 });
    const alpha = Math.fround(0.1);
    assert.deepEqual([...output], [Math.fround(-0.5 * alpha), 2, Math.fround(-3 * alpha)]);
  });

  test('a custom kernel (MatMul) on float64 runs the reference kernel too', () => {
    const a = new Float64Array([0.1, 0.2, 0.3, 0.4]);
    const b = new Float64Array([1, 2, 3, 4]);
    const output = new Float64Array(4);
    const params = { m: 2, k: 2, n: 2, transposeA: false, transposeB: false };
    backend.kernels.MatMul(a, b, output, params);
    assert.deepEqual([...output], [0.1 * 1 + 0.2 * 3, 0.1 * 2 + 0.2 * 4, 0.3 * 1 + 0.4 * 3, 0.3 * 2 + 0.4 * 4]);
  });
});
