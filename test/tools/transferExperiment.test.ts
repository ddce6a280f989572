// tools/transferExperiment.ts at a size that runs in seconds: MNIST sample digits 0-5 as the source
// classes, digits 6-9 taught from 5 pictures each, a tiny network, 2 source epochs, the target runs by
// their recipes (a few dozen steps on 20 pictures); every step is the CLI.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodePng, imageFromPixels, loadMnistSample } from '../../src/index.js';
import { transferExperiment } from '../../tools/transferExperiment.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-transfer-experiment-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** train/digit-k and test/digit-k folders of PNG digits: `perClass` of each split's first pictures of each digit. */
function writeDigits(folder: string, perClass: { train: number; test: number }): void {
  const splits = loadMnistSample();
  for (const split of ['train', 'test'] as const) {
    const set = splits[split];
    const written = new Array<number>(10).fill(0);
    for (let index = 0; index < set.count; index++) {
      const digit = set.labels[index]!;
      if (written[digit]! >= perClass[split]) continue;
      const directory = join(folder, split, `digit-${digit}`);
      mkdirSync(directory, { recursive: true });
      writeFileSync(
        join(directory, `${String(index).padStart(5, '0')}.png`),
        encodePng(imageFromPixels(set.images.subarray(index * 784, (index + 1) * 784), 28, 28, 'gray')),
      );
      written[digit]!++;
    }
  }
}

test(
  'transferExperiment: a source network on digits 0-5, then 6-9 from 5 pictures each, against the same ' +
    'network from nothing',
  () => {
    const data = join(scratch, 'digits');
    writeDigits(data, { train: 60, test: 25 });
    const result = transferExperiment({
      data,
      work: join(scratch, 'work'),
      sourceClasses: ['digit-0', 'digit-1', 'digit-2', 'digit-3', 'digit-4', 'digit-5'],
      targetClasses: ['digit-6', 'digit-7', 'digit-8', 'digit-9'],
      shots: 5,
      model: 'digits-cnn',
      sourceEpochs: 2,
      seed: 1,
      extraFlags: ['--threads', '1'],
    });
    assert.equal(result.targetTrainPictures, 20);
    assert.equal(result.targetTestPictures, 100);
    assert.equal(result.commands.length, 3);
    assert.match(result.commands[1]!, /^convnet train --dataset .*target --from .*source-model --seed 1/);
    // Chance is 1/6 and 1/4: the source network learned its digits, and the transferred one the new ones.
    assert.ok(result.sourceAccuracy > 0.6, `source accuracy ${result.sourceAccuracy}`);
    assert.ok(result.transferAccuracy > 0.4, `transfer accuracy ${result.transferAccuracy}`);
    assert.ok(result.scratchAccuracy >= 0 && result.scratchAccuracy <= 1, `from nothing ${result.scratchAccuracy}`);
  },
);
