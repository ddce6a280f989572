#!/usr/bin/python3
"""Exports small PyTorch graphs that resize feature maps to ONNX for test/io/onnx/resize.test.ts, with
Debian's python3-torch and python3-onnx:

    /usr/bin/python3 tools/exportResize.py --opset 9 10 11 17 --out DIR

Each graph is a seeded 3x3 convolution (3 -> 5 channels, so the resize sees computed maps with
channels not a multiple of 4) on a [2, 3, 13, 11] input, then one F.interpolate variant (below), with
a dynamic batch axis. It writes DIR/resize-input.npy (seeded, the same at every opset) and
DIR/VARIANT-opsetN.onnx for each opset given, and prints one JSON line per variant and opset
({"variant", "opset", "onnx", "input"} or {"variant", "opset", "error"}). Opset 9 writes Upsample
(PyTorch exports only scale factors there), 10 and later Resize. The opsets share one process:
starting torch takes longer than all the exports.
"""

import argparse
import json
import os
import sys
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn import functional

SEED = 0

# name -> keyword arguments of F.interpolate.
VARIANTS = {
    'nearest-x2': {'scale_factor': 2, 'mode': 'nearest'},
    'nearest-x3x2': {'scale_factor': (3, 2), 'mode': 'nearest'},
    'nearest-size-down': {'size': (7, 5), 'mode': 'nearest'},
    'nearest-size-up': {'size': (20, 17), 'mode': 'nearest'},
    'bilinear-x2': {'scale_factor': 2, 'mode': 'bilinear', 'align_corners': False},
    'bilinear-size-down': {'size': (6, 4), 'mode': 'bilinear', 'align_corners': False},
    'bilinear-size-up': {'size': (20, 17), 'mode': 'bilinear', 'align_corners': False},
    'bilinear-corners-x2': {'scale_factor': 2, 'mode': 'bilinear', 'align_corners': True},
    'bilinear-corners-size': {'size': (9, 23), 'mode': 'bilinear', 'align_corners': True},
    'bicubic-x2': {'scale_factor': 2, 'mode': 'bicubic', 'align_corners': False},
}


class Resizer(nn.Module):
    def __init__(self, options):
        super().__init__()
        self.conv = nn.Conv2d(3, 5, 3, padding=1)
        self.options = options

    def forward(self, x):
        return functional.interpolate(self.conv(x), **self.options)


def export(name, options, opset, x, input_path, out):
    """Exports one variant at one opset; returns its JSON line's fields."""
    torch.manual_seed(SEED)
    model = Resizer(options).eval()
    onnx_path = os.path.join(out, f'{name}-opset{opset}.onnx')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            torch.onnx.export(
                model, x, onnx_path, opset_version=opset, input_names=['input'], output_names=['output'],
                dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}}, do_constant_folding=True,
            )
        return {'variant': name, 'opset': opset, 'onnx': onnx_path, 'input': input_path}
    except Exception as error:  # One variant that does not export must not hide the others.
        return {'variant': name, 'opset': opset, 'error': f'{type(error).__name__}: {error}'.splitlines()[0][:500]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--opset', type=int, required=True, choices=range(9, 18), nargs='+')
    parser.add_argument('--out', required=True)
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    input_path = os.path.join(arguments.out, 'resize-input.npy')
    x = torch.randn(2, 3, 13, 11, generator=torch.Generator().manual_seed(SEED + 2))
    np.save(input_path, x.numpy().astype(np.float32))
    for opset in arguments.opset:
        for name, options in VARIANTS.items():
            print(json.dumps(export(name, options, opset, x, input_path, arguments.out)), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
