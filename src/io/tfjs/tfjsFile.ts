// TF.js model import from files (Node): a model.json and the weight shards its manifest names,
// read from the model.json's folder only. Shard names are plain file names (tfjsWeights.ts), and a
// shard that is a symbolic link must still resolve inside the folder. Every read is bounded.

import { realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { FileFormatError } from '../../core/errors.js';
import { MAX_MANIFEST_BYTES } from '../../core/limits.js';
import type { Model } from '../../model/model.js';
import { fileSystemError, readRegularFile, readRegularTextFile } from '../files.js';
import { parseTfjsModel, type TfjsLayerTrace } from './tfjsImport.js';

/**
 * Reads the TF.js Layers model at `modelJsonPath` (a model.json with its .bin shards beside it) as a
 * Model. Throws FileFormatError naming the file (the model.json or a shard) for a bad or hostile
 * file, FileSystemError where a file cannot be read. `trace`, when given, receives what each TF.js
 * layer became (TfjsLayerTrace), in the file's order.
 *
 * @example
 * const model = importTfjsModel('my-model/model.json');
 * model.predict(images);
 */
export function importTfjsModel(modelJsonPath: string, trace?: TfjsLayerTrace[]): Model {
  const text = readRegularTextFile(modelJsonPath, { maxBytes: MAX_MANIFEST_BYTES, what: 'a TF.js model.json' });
  const folder = dirname(modelJsonPath);
  let realFolder: string;
  try {
    realFolder = realpathSync(folder);
  } catch (error) {
    throw fileSystemError(error, folder, 'read');
  }
  return parseTfjsModel(
    text,
    (name, maxBytes) => {
      const path = join(folder, name);
      let real: string;
      try {
        real = realpathSync(path);
      } catch (error) {
        throw fileSystemError(error, path, 'read the weight shard');
      }
      if (!real.startsWith(realFolder + sep))
        throw new FileFormatError(path, `is a link that leads out of the model's folder, to ${real}`);
      return readRegularFile(path, {
        maxBytes,
        what: "this weight shard (what its group's weights in the manifest still take)",
      });
    },
    modelJsonPath,
    trace,
  );
}
