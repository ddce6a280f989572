#!/usr/bin/python3
"""Makes the ONNX import fixtures in test/fixtures/onnx: small CNNs built and exported by PyTorch
(Debian's python3-torch), covering every operator and option the importer reads, each with an input
batch and PyTorch's output for it as .npy files. Run it with Debian's python3 after
`apt-get install python3-torch`; the tests compare ConvNet.ts and onnxruntime-node with these.

    /usr/bin/python3 tools/makeOnnxFixtures.py
"""

import os

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx')
torch.manual_seed(0)


class Plain(nn.Module):
    """Conv with padding and stride, BatchNorm, ReLU, MaxPool, AvgPool, flatten by view, Linear, Softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 8, 3, stride=2, padding=(1, 0))
        self.pool = nn.MaxPool2d(2)
        self.avg = nn.AvgPool2d(2, stride=1)
        self.fc1 = nn.Linear(8 * 6 * 5, 20)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(20, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.avg(torch.tanh(self.conv2(x)))
        x = x.view(x.size(0), -1)
        x = torch.sigmoid(self.fc1(x))
        return torch.softmax(self.fc2(self.drop(x)), dim=1)


class Branches(nn.Module):
    """Grouped, depthwise and dilated convs, LeakyReLU, ELU, zero padding, a residual Add, Concat, global average pooling, flatten."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.grouped = nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.depthwise = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8)
        self.pad = nn.ZeroPad2d((1, 0, 2, 1))
        self.side = nn.Conv2d(8, 4, (2, 3))
        self.fc = nn.Linear(8 + 4, 5)

    def forward(self, x):
        x = nn.functional.leaky_relu(self.bn(self.stem(x)), 0.2)
        y = nn.functional.elu(self.depthwise(self.grouped(x)), 0.5)
        x = x + y
        side = self.side(self.pad(x))
        joined = torch.cat([nn.functional.adaptive_avg_pool2d(x, 1), nn.functional.adaptive_avg_pool2d(side, 1)], dim=1)
        return self.fc(torch.flatten(joined, 1))


def export(name, model, shape):
    model.eval()
    # Non-trivial running statistics, as a trained network has.
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
    x = torch.rand(*shape)
    with torch.no_grad():
        y = model(x)
    # A fixed batch lets the exporter fold the shape arithmetic of view() and ZeroPad2d into constants.
    torch.onnx.export(model, x, os.path.join(OUT, f'{name}.onnx'), opset_version=13, input_names=['input'], output_names=['output'],
                      do_constant_folding=True)
    np.save(os.path.join(OUT, f'{name}-input.npy'), x.numpy().astype(np.float32))
    np.save(os.path.join(OUT, f'{name}-output.npy'), y.numpy().astype(np.float32))


os.makedirs(OUT, exist_ok=True)
export('plain', Plain(), (3, 1, 28, 28))
export('branches', Branches(), (2, 3, 12, 10))
print('wrote', sorted(os.listdir(OUT)))
