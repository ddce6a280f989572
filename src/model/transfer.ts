// Transfer learning: a new classifier head on a trained network (or on a cut of one, see
// Model.featureExtractor), the network's layers and weights shared, not copied (Keras's fine-tuning
// guide; PyTorch's transfer-learning tutorial). Train the head with the backbone frozen (fit then
// computes the backbone's features once, see FitOptions.cacheFrozenFeatures), then unfreeze the top.

import { ValueError } from '../core/errors.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import { GlobalAveragePooling2D } from '../layers/globalAveragePooling2d.js';
import type { Layer } from '../layers/layer.js';
import { Softmax } from '../layers/softmax.js';
import { Model, type ModelNode } from './model.js';

/** Options of addClassifierHead. */
export interface HeadOptions {
  /** How many classes the new head tells apart (the units of its Dense layer). */
  classes: number;
  /**
   * How a feature map [height, width, channels] becomes a vector: 'average' (GlobalAveragePooling2D,
   * the default) or 'flatten'. Ignored for a backbone whose output is a vector already.
   */
  pooling?: 'average' | 'flatten' | undefined;
  /** Dropout rate before the Dense layer; default 0 (none). */
  dropout?: number | undefined;
  /** Freeze every backbone layer (Layer.trainable false); default true. */
  freezeBackbone?: boolean | undefined;
  /** A name for each class; default none. */
  classNames?: readonly string[] | undefined;
  /** Seeds the head's weights; default the backbone's seed. */
  seed?: number | undefined;
}

/**
 * A classifier made of `backbone` (its layers and weight tensors, shared: the new model trains the
 * very tensors the backbone holds) and a new head: pooling for a feature map, optional Dropout,
 * Dense(classes) and Softmax. The backbone's layers are frozen unless `freezeBackbone` is false; the
 * flag is on the shared layers, so it shows in the backbone too. The result is an ordinary Model:
 * it saves, loads and exports to ONNX as one network. Throws ValueError for a class count that is
 * not a positive integer, or a dropout outside [0, 1).
 *
 * @example
 * const backbone = trained.featureExtractor('conv2d_4');
 * const model = addClassifierHead(backbone, { classes: 4, classNames: ['car', 'ship', 'truck', 'plane'] });
 * model.fit(x, labels, { epochs: 5 }); // the head alone, on cached features
 * model.unfreeze('conv2d_4').fit(x, labels, { epochs: 2, optimizer: new Adam({ learningRate: 1e-4 }) }); // then the top
 */
export function addClassifierHead(backbone: Model, options: HeadOptions): Model {
  const { classes } = options;
  if (!Number.isInteger(classes) || classes < 1)
    throw new ValueError(`addClassifierHead: classes must be a positive integer, got ${classes}`);
  const rate = options.dropout ?? 0;
  if (!(rate >= 0 && rate < 1)) throw new ValueError(`addClassifierHead: dropout must be in [0, 1), got ${rate}`);
  const pooling = options.pooling ?? 'average';
  if (pooling !== 'average' && pooling !== 'flatten')
    throw new ValueError(`addClassifierHead: pooling must be 'average' or 'flatten', got ${String(pooling)}`);
  if (options.freezeBackbone ?? true) backbone.freeze();
  const head: Layer[] = [];
  if (backbone.outputShape.length !== 1)
    head.push(pooling === 'average' ? new GlobalAveragePooling2D() : new Flatten());
  if (rate > 0) head.push(new Dropout({ rate }));
  head.push(new Dense({ units: classes }), new Softmax());
  // The backbone's nodes as they are; the head reads its output (its last node) and then each other.
  const nodes: ModelNode[] = [...backbone.nodes];
  for (const layer of head) nodes.push({ layer, inputs: [nodes.length - 1] });
  return new Model(
    { nodes },
    {
      seed: options.seed ?? backbone.seed,
      dtype: backbone.dtype,
      preprocessing: backbone.preprocessing,
      classNames: options.classNames,
    },
  );
}
