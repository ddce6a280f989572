#!/usr/bin/python3
"""Exports torchvision's CNN classifiers to ONNX for test/parity/torchvisionImport.test.ts, with
Debian's python3-torch and python3-torchvision (`apt-get install python3-torch python3-torchvision
python3-onnx`):

    /usr/bin/python3 tools/exportTorchvision.py --opset 13 --out DIR [--batch 2] [--pytorch-output] resnet18:64 googlenet:64 ...

Each model is built with weights=None from seeded random numbers (torch.manual_seed), given batch
normalization statistics and affine parameters that are not the identity (random running mean and
variance, random scale and shift, so that a wrong epsilon or a swapped statistic shows) and random
convolution and linear biases (torchvision starts most at zero), put in eval
mode and exported by torch.onnx.export at the given opset (11 to 17) with a dynamic batch axis, at
the given input size (NAME:SIZE, square). For each it writes DIR/NAME-SIZE-input.npy (a seeded
[batch, 3, SIZE, SIZE] float32 batch, the same at every opset), DIR/NAME-opsetN.onnx and, with
--pytorch-output, DIR/NAME-opsetN-pytorch.npy; then one JSON line per model on stdout
({"model", "opset", "size", "onnx", "input", "pytorch", "seconds"} or {"model", "opset", "error"}).
All models of one opset export in one process: starting torch takes seconds.

--slim-classifier makes the 4096-wide hidden layers of AlexNet and VGG 256 wide (every operator kept;
the full ones hold 0.2 to 0.5 GB of weights). Models keep torchvision's defaults otherwise
(GoogLeNet and Inception v3 without their auxiliary classifiers, as in eval mode).
The segmentation models (fcn_resnet50, deeplabv3_mobilenet_v3_large, lraspp_mobilenet_v3_large, ...)
are built with weights_backbone=None and no auxiliary head, and export their 'out' map alone:
[batch, 21, SIZE, SIZE] (torchvision's F.interpolate back to the input size).
"""

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn
import torchvision

SEED = 0


SEGMENTATION = ('fcn_resnet50', 'fcn_resnet101', 'deeplabv3_mobilenet_v3_large', 'deeplabv3_resnet50', 'lraspp_mobilenet_v3_large')


class MainOutput(nn.Module):
    """A segmentation model's 'out' map alone (torchvision's return a dict, with 'aux' where asked)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)['out']


def build(name, slim_classifier):
    """torchvision's model `name` with weights=None, its random weights drawn from SEED."""
    torch.manual_seed(SEED)
    is_segmentation = name in SEGMENTATION
    builder = getattr(torchvision.models.segmentation if is_segmentation else torchvision.models, name)
    options = {'weights': None}
    if name in ('googlenet', 'inception_v3'):
        options.update(aux_logits=False, init_weights=True)
    if is_segmentation:
        options.update(weights_backbone=None)
        if not name.startswith('lraspp'):
            options.update(aux_loss=False)
    model = builder(**options)
    if slim_classifier and name.startswith(('alexnet', 'vgg')):
        width = 256
        layers = list(model.classifier)
        linears = [index for index, layer in enumerate(layers) if isinstance(layer, nn.Linear)]
        for position, index in enumerate(linears):
            old = layers[index]
            in_features = old.in_features if position == 0 else width
            out_features = old.out_features if position == len(linears) - 1 else width
            layers[index] = nn.Linear(in_features, out_features)
        model.classifier = nn.Sequential(*layers)
    # Statistics and affine parameters that are not the identity.
    generator = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)):
                channels = module.num_features
                module.running_mean.copy_(0.2 * torch.randn(channels, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(channels, generator=generator))
                if module.affine:
                    module.weight.copy_(0.5 + torch.rand(channels, generator=generator))
                    module.bias.copy_(0.2 * torch.randn(channels, generator=generator))
            elif isinstance(module, (nn.Conv2d, nn.Linear)) and module.bias is not None:
                # torchvision starts most biases at zero: random ones show a bias read wrongly.
                module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=generator))
            elif isinstance(module, nn.LayerNorm) and module.elementwise_affine:
                module.weight.copy_(0.5 + torch.rand(module.weight.shape, generator=generator))
                module.bias.copy_(0.2 * torch.randn(module.bias.shape, generator=generator))
    return (MainOutput(model) if is_segmentation else model).eval()


def export(name, size, opset, out, batch, pytorch_output, slim_classifier):
    started = time.time()
    model = build(name, slim_classifier)
    input_path = os.path.join(out, f'{name}-{size}-input.npy')
    generator = torch.Generator().manual_seed(SEED + 2)
    x = torch.randn(batch, 3, size, size, generator=generator)
    if not os.path.exists(input_path):
        np.save(input_path, x.numpy().astype(np.float32))
    onnx_path = os.path.join(out, f'{name}-opset{opset}.onnx')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(
            model, x, onnx_path, opset_version=opset, input_names=['input'], output_names=['output'],
            dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}}, do_constant_folding=True,
        )
    result = {'model': name, 'opset': opset, 'size': size, 'onnx': onnx_path, 'input': input_path}
    if pytorch_output:
        with torch.no_grad():
            y = model(x)
        pytorch_path = os.path.join(out, f'{name}-opset{opset}-pytorch.npy')
        np.save(pytorch_path, y.numpy().astype(np.float32))
        result['pytorch'] = pytorch_path
    result['seconds'] = round(time.time() - started, 2)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--opset', type=int, required=True, choices=range(11, 18))
    parser.add_argument('--out', required=True)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--pytorch-output', action='store_true')
    parser.add_argument('--slim-classifier', action='store_true')
    parser.add_argument('models', nargs='+', help='NAME:SIZE, e.g. resnet18:64')
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    for entry in arguments.models:
        name, _, size = entry.partition(':')
        try:
            result = export(name, int(size or 224), arguments.opset, arguments.out, arguments.batch, arguments.pytorch_output, arguments.slim_classifier)
        except Exception as error:  # One model that does not export must not hide the others.
            result = {'model': name, 'opset': arguments.opset, 'error': f'{type(error).__name__}: {error}'.splitlines()[0][:500]}
        print(json.dumps(result), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
