#!/usr/bin/python3
"""Exports small PyTorch networks that use the operators of segmentation decoders and imported
graphs to ONNX, for test/parity/torchLayersImport.test.ts, with Debian's python3-torch and
python3-onnx:

    /usr/bin/python3 tools/exportTorchLayers.py --opset 11 17 --out DIR

Networks (seeded random weights, eval mode, a dynamic batch axis, input [2, 3, 6, 7]):
  upsample     Conv2d, ReLU, ConvTranspose2d (stride 2, padding 1, output_padding 1), ReLU,
               ConvTranspose2d (kernel 4, stride 2, padding 1, groups 2, dilation 1), and a third
               with dilation 2 and no bias: the decoder of FCN / U-Net style models.
  elementwise  torch.maximum and torch.minimum of two convolutions, with a scalar and with a
               per-channel tensor, x ** 2, x ** 3, torch.sqrt, x ** 0.5.
  twoheads     a segmentation-style net returning ('out', 'aux'): an upsampled map and a pooled
               classifier, as torchvision's FCN and DeepLab return with aux_loss.
For each at each opset given it writes DIR/NAME-opsetN.onnx, and DIR/input.npy (a seeded float32
batch) once, then one JSON line per network and opset on stdout: {"model", "opset", "onnx",
"outputs"} or {"model", "opset", "error"}. The opsets share one process: starting torch takes
longer than the exports.
"""

import argparse
import json
import os

import numpy as np
import torch
from torch import nn


class Upsample(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.up1 = nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(6, 4, 4, stride=2, padding=1, groups=2)
        self.up3 = nn.ConvTranspose2d(4, 2, 3, stride=1, padding=2, dilation=2, bias=False)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = torch.relu(self.up1(x))
        return self.up3(self.up2(x))


class Elementwise(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1)
        self.b = nn.Conv2d(3, 4, 1)
        self.register_buffer('cap', torch.tensor([0.5, -0.25, 1.0, 0.0]).reshape(1, 4, 1, 1))

    def forward(self, x):
        a = self.a(x)
        b = self.b(x)
        upper = torch.maximum(a, b)
        lower = torch.minimum(a, self.cap)
        floor = torch.maximum(b, torch.tensor(-0.5))
        root = torch.sqrt(upper ** 2 + 1.0) + (floor * floor + 0.25) ** 0.5
        return root + lower ** 3 - torch.minimum(upper, floor)


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.classifier = nn.ConvTranspose2d(8, 5, 2, stride=2)
        self.aux = nn.Linear(8, 3)

    def forward(self, x):
        features = self.backbone(x)
        return self.classifier(features), self.aux(features.mean(dim=(2, 3)))


NETWORKS = {
    'upsample': (Upsample, ['output']),
    'elementwise': (Elementwise, ['output']),
    'twoheads': (TwoHeads, ['out', 'aux']),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--opset', type=int, required=True, nargs='+')
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    batch = np.random.default_rng(2701).uniform(-2, 2, size=(2, 3, 6, 7)).astype(np.float32)
    np.save(os.path.join(args.out, 'input.npy'), batch)
    for opset in args.opset:
        for name, (make, outputs) in NETWORKS.items():
            try:
                torch.manual_seed(2702)
                model = make().eval()
                with torch.no_grad():
                    for parameter in model.parameters():
                        parameter.uniform_(-0.5, 0.5)
                path = os.path.join(args.out, f'{name}-opset{opset}.onnx')
                dynamic = {key: {0: 'batch'} for key in ['input', *outputs]}
                torch.onnx.export(model, torch.from_numpy(batch), path, opset_version=opset, input_names=['input'],
                                  output_names=outputs, dynamic_axes=dynamic)
                print(json.dumps({'model': name, 'opset': opset, 'onnx': path, 'outputs': outputs}), flush=True)
            except Exception as error:  # one network's failure is reported, the others still export
                print(json.dumps({'model': name, 'opset': opset, 'error': f'{type(error).__name__}: {error}'}), flush=True)


if __name__ == '__main__':
    main()
