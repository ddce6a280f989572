// Charts drawn through Chart.js (src/visualize/charts.ts): the softmax bar chart at the asked size, on
// white, the winning bar red; training curves from recorded callbacks; and without the canvas package in
// Node, a MissingPackageError saying what to install.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_PROBABILITY_CHART_CLASSES,
  MissingPackageError,
  probabilityChart,
  recordTrainingCurves,
  trainingChart,
} from '../../src/index.js';
import { canvasFactoryFromPackage } from '../../src/visualize/nodeCanvas.js';
import { pixel } from './pixels.js';

describe('charts', () => {
  test('the softmax bar chart is drawn at the asked size, on white, the winning bar red', () => {
    const chart = probabilityChart([0.05, 0.8, 0.15], ['cat', 'dog', 'bird'], { width: 400, height: 300 });
    assert.deepEqual([chart.width, chart.height, chart.colorModel], [400, 300, 'rgb']);
    assert.deepEqual(pixel(chart, 0, 0), [1, 1, 1]);
    let red = 0;
    for (let index = 0; index < chart.width * chart.height; index++) {
      const [r, g, b] = [chart.data[index * 3]!, chart.data[index * 3 + 1]!, chart.data[index * 3 + 2]!].map((v) =>
        Math.round(v * 255),
      );
      if (r === 0xd6 && g === 0x27 && b === 0x28) red++;
    }
    assert.ok(red > 2000, `${red} pixels of the highlighted bar`);
    assert.throws(() => probabilityChart([0.5, 0.5], ['one']), /2 probabilities for 1 class names/);
  });

  test(
    'with many classes the chart shows the most probable ones (default 20): 1,000 classes stay ' + '800 pixels wide',
    () => {
      const probabilities = Array.from({ length: 1000 }, (_, index) => (index === 417 ? 0.5 : 0.5 / 999));
      const names = Array.from({ length: 1000 }, (_, index) => `class ${index}`);
      assert.equal(DEFAULT_PROBABILITY_CHART_CLASSES, 20);
      assert.equal(probabilityChart(probabilities, names).width, 20 * 40);
      assert.equal(probabilityChart(probabilities, names, { topK: 5 }).width, 480);
      assert.equal(probabilityChart([0.2, 0.8], ['a', 'b'], { topK: 1 }).width, 480);
      assert.throws(
        () => probabilityChart(probabilities, names, { topK: 0 }),
        /topK must be a positive integer, got 0/,
      );
    },
  );

  test('in Node without the canvas package, a chart throws MissingPackageError saying what to install', () => {
    const canvas = canvasFactoryFromPackage('@convnet-ts/no-such-canvas');
    let error: unknown;
    try {
      probabilityChart([0.4, 0.6], ['a', 'b'], { canvas });
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof MissingPackageError, String(error));
    assert.equal(error.name, 'MissingPackageError');
    assert.equal(error.packageName, '@convnet-ts/no-such-canvas');
    assert.equal(
      error.message,
      'charts in Node draw on @convnet-ts/no-such-canvas, which is not installed: npm install ' +
        '@convnet-ts/no-such-canvas',
    );
  });

  test('training curves from recorded callbacks', () => {
    const recorder = recordTrainingCurves();
    for (let epoch = 1; epoch <= 2; epoch++) {
      for (let batch = 1; batch <= 200; batch++) {
        recorder.callbacks.onBatchEnd!({
          epoch,
          epochs: 2,
          batch,
          batches: 200,
          loss: 1 / (epoch + batch / 200),
          accuracy: 0.5,
          seen: batch * 10,
          imagesPerSecond: 100,
          read: async () => ({ loss: 1 / (epoch + batch / 200), accuracy: 0.5 }),
        });
      }
      recorder.callbacks.onEpochEnd!(
        {
          epoch,
          loss: 1 / epoch,
          accuracy: 0.8,
          valLoss: 1.1 / epoch,
          valAccuracy: 0.75,
          seconds: 1,
          imagesPerSecond: 100,
        },
        { epoch, random: { shuffle: [], augment: [], layers: [] }, order: [], history: [] },
      );
    }
    assert.equal(recorder.curves.epochs.length, 2);
    // 200 batches, one point every 4: 50 per epoch.
    assert.equal(recorder.curves.batches!.length, 100);
    assert.equal(recorder.curves.batches![99]!.position, 2);
    const chart = trainingChart(recorder.curves);
    assert.deepEqual([chart.width, chart.height], [800, 450]);
    // The curves are drawn: pixels in the training-loss red and the training-accuracy blue.
    const count = (hex: number) => {
      let found = 0;
      for (let index = 0; index < chart.width * chart.height; index++) {
        const [r, g, b] = [0, 1, 2].map((channel) => Math.round(chart.data[index * 3 + channel]! * 255));
        if (r === hex >> 16 && g === ((hex >> 8) & 0xff) && b === (hex & 0xff)) found++;
      }
      return found;
    };
    assert.ok(count(0xd62728) > 300, `${count(0xd62728)} pixels of the loss curve`);
    assert.ok(count(0x1f77b4) > 300, `${count(0x1f77b4)} pixels of the accuracy curve`);
    assert.throws(() => trainingChart({ epochs: [] }), /no epochs/);
  });
});
