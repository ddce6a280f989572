#!/usr/bin/python3
"""Makes the ONNX import fixtures in test/fixtures/onnx: small CNNs built and exported by PyTorch
(Debian's python3-torch), covering every operator and option the importer reads, each with an input
batch and PyTorch's output for it as .npy files. Run it with Debian's python3 after
`apt-get install python3-torch python3-onnx`; the tests compare ConvNet.ts and onnxruntime-node with these.

    /usr/bin/python3 tools/makeOnnxFixtures.py

Keras models reach ONNX through tf2onnx, and TensorFlow is not packaged for Debian. The Keras-style
fixture is therefore a PyTorch model written the way tf2onnx lays a Keras graph out (a channels-last
input transposed to NCHW at once, a channels-last flatten, Dense as MatMul + Add), given afterwards
the Identity and inference-time Dropout nodes that tf2onnx graphs carry and that PyTorch leaves out
when it exports for inference.
"""

import os

import numpy as np
import onnx
from onnx import checker, helper, numpy_helper
import torch
from torch import nn
from torch.nn import functional as F

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


class Gates(nn.Module):
    """ReLU6 and Hardtanh (Clip), SiLU written as x * sigmoid(x) (Mul), constant scales and shifts (Mul
    and Add by a scalar and per channel), MatMul + Add, Gemm with alpha and beta (addmm), Flatten."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2)
        self.scale = nn.Parameter(torch.rand(1, 8, 1, 1) + 0.5)
        self.shift = nn.Parameter(torch.rand(8, 1, 1) - 0.5)
        self.weight = nn.Parameter(torch.randn(8 * 4 * 4, 6) * 0.2)
        self.bias = nn.Parameter(torch.randn(6) * 0.1)
        self.weight2 = nn.Parameter(torch.randn(6, 4) * 0.5)
        self.bias2 = nn.Parameter(torch.randn(4) * 0.1)

    def forward(self, x):
        x = nn.functional.relu6(self.conv1(x) * 4.0)
        x = self.conv2(x)
        x = x * torch.sigmoid(x)
        x = nn.functional.hardtanh(x * self.scale + self.shift, -1.0, 1.0)
        x = torch.flatten(x, 1)
        x = (torch.matmul(x, self.weight) + self.bias) * 2.0
        x = torch.addmm(self.bias2, torch.tanh(x), self.weight2, beta=0.5, alpha=2.0)
        return torch.softmax(x, dim=1)


class KerasStyle(nn.Module):
    """A channels-last input transposed to NCHW, Conv + ReLU + BatchNorm (after the ReLU, so that the
    exporter cannot fold it into the Conv), MaxPool, back to channels last, flatten, Dense as MatMul +
    Add, Softmax: the graph tf2onnx writes for a Keras CNN."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 4, 3, stride=2, padding=1, bias=False)
        self.weight = nn.Parameter(torch.randn(4 * 3 * 3, 10) * 0.3)
        self.bias = nn.Parameter(torch.randn(10) * 0.1)
        self.weight2 = nn.Parameter(torch.randn(10, 3) * 0.5)
        self.bias2 = nn.Parameter(torch.randn(3) * 0.1)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        x = nn.functional.max_pool2d(self.bn(torch.relu(self.conv(x))), 2)
        x = torch.relu(self.conv2(x) + 0.25)
        x = x.permute(0, 2, 3, 1).reshape(x.size(0), -1)
        x = torch.relu(torch.matmul(x, self.weight) + self.bias)
        return torch.softmax(torch.matmul(x, self.weight2) + self.bias2, dim=-1)


class TorchvisionOps(nn.Module):
    """What torchvision's classifiers add, exported with a dynamic batch axis: MaxPool with ceil_mode
    (GoogLeNet, SqueezeNet), AvgPool counting its padding (Inception v3), torch.cat of one tensor
    (DenseNet), Identity nodes over initializers (the exporter shares the equal zero biases), x.mean
    over height and width with and without keepdim (MnasNet, squeeze-and-excitation), a Conv on the
    1x1 maps it keeps, their Flatten, and a flatten by x.view(x.size(0), -1): Shape, Gather, Unsqueeze, Concat."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3)
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = nn.Conv2d(8, 4, 1)
        self.conv3 = nn.Conv2d(8, 4, 3, padding=1)
        self.squeeze = nn.Conv2d(8, 6, 1)
        self.fc = nn.Linear(14, 5)
        self.fc_maps = nn.Linear(8 * 11 * 11, 5)
        with torch.no_grad():
            self.conv2.bias.zero_()
            self.conv3.bias.zero_()

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = torch.cat([x], 1)
        x = F.avg_pool2d(x, 3, stride=1, padding=1)
        x = torch.cat([self.conv2(x), self.conv3(x)], 1)
        gate = torch.sigmoid(self.squeeze(x.mean([2, 3], keepdim=True)))
        pooled = torch.cat([x.mean([2, 3]), torch.flatten(gate, 1)], 1)
        return self.fc(pooled) + self.fc_maps(x.view(x.size(0), -1))


class ChannelsLastBlock(nn.Module):
    """ConvNeXt's block without its layer norm: a depthwise Conv, a permute to channels last, Linear
    (MatMul + Add over the channels), the exact GELU (which PyTorch writes as Div, Erf, Add, Mul, Mul),
    Linear, a permute back, a per-channel layer scale (Mul) and the residual Add."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 2, stride=2)
        self.depthwise = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.expand = nn.Linear(8, 16)
        self.gelu = nn.GELU()
        self.project = nn.Linear(16, 8)
        self.layer_scale = nn.Parameter(torch.rand(8, 1, 1) + 0.5)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = self.stem(x)
        y = self.depthwise(x).permute(0, 2, 3, 1)
        y = self.project(self.gelu(self.expand(y))).permute(0, 3, 1, 2)
        x = x + self.layer_scale * y
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class MobileOps(nn.Module):
    """What the mobile and ConvNeXt classifiers add: Hardswish and a squeeze-excitation gate by
    Hardsigmoid (MobileNetV3), split (Split) and a channel range (Slice) with ShuffleNet's channel
    shuffle (Reshape, Transpose, Reshape over the dynamic batch), a Sub and Div of two computed maps,
    and ConvNeXt's layer norm over the channels in channels-last order (LayerNormalization at opset
    17, ReduceMean, Sub, Pow, Sqrt, Div before)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.squeeze = nn.Conv2d(8, 4, 1)
        self.excite = nn.Conv2d(4, 8, 1)
        self.branch = nn.Conv2d(5, 5, 3, padding=1, groups=5)
        self.norm = nn.LayerNorm(8, eps=1e-6)
        with torch.no_grad():
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.5, 0.5)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = F.hardswish(self.stem(x))
        x = x * F.hardsigmoid(self.excite(torch.relu(self.squeeze(F.adaptive_avg_pool2d(x, 1)))))
        left, right = x.split([3, 5], dim=1)
        x = torch.cat((left, self.branch(right)), dim=1)
        batch, channels, height, width = x.size()
        x = x.view(batch, 2, channels // 2, height, width).transpose(1, 2).contiguous().view(batch, -1, height, width)
        middle = x[:, 2:6]
        x = torch.cat((x[:, :2], (middle - torch.sigmoid(middle)) / (torch.sigmoid(middle) + 1), x[:, 6:]), dim=1)
        x = self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class DecoderOps(nn.Module):
    """What segmentation decoders add: a transposed convolution (ConvTranspose) that doubles the maps,
    the elementwise maximum and minimum of two computed maps (Max, Min), and resizing (Resize) to a
    size, bilinear (half-pixel, PyTorch's align_corners=False), then by 2, nearest."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 6, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(6, 4, 4, stride=2, padding=1)
        self.side = nn.Conv2d(3, 4, 1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        y = self.up(torch.relu(self.stem(x)))
        side = self.side(x)
        z = torch.maximum(y, side) + torch.minimum(y, side * 0.5)
        z = F.interpolate(z, size=(7, 5), mode='bilinear', align_corners=False)
        z = F.interpolate(z, scale_factor=2, mode='nearest')
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(z, 1), 1))


class NearestUpsample(nn.Module):
    """nn.Upsample(scale_factor=2), which opset 9 writes as Upsample, after a convolution."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.fc = nn.Linear(4 * 8 * 6, 3)

    def forward(self, x):
        return self.fc(torch.flatten(self.up(torch.relu(self.conv(x))), 1))


def add_tf2onnx_nodes(path):
    """Inserts an Identity after the input transpose and an inference-time Dropout (ratio 0.3, no
    training_mode) after the first ReLU of the flattened features, as tf2onnx writes them."""
    model = onnx.load(path)
    graph = model.graph
    nodes = list(graph.node)
    transpose = next(node for node in nodes if node.op_type == 'Transpose')
    matmul = next(node for node in nodes if node.op_type == 'MatMul')
    relu = next(node for node in nodes[nodes.index(matmul):] if node.op_type == 'Relu')

    def insert_after(node, new_node):
        old = node.output[0]
        new_output = f'{old}_through_{new_node.op_type.lower()}'
        for reader in graph.node:
            for index, name in enumerate(reader.input):
                if name == old:
                    reader.input[index] = new_output
        new_node.input[0] = old
        new_node.output[0] = new_output
        position = list(graph.node).index(node) + 1
        graph.node.insert(position, new_node)

    insert_after(transpose, helper.make_node('Identity', ['x'], ['y'], name='keras_input_identity'))
    graph.initializer.append(numpy_helper.from_array(np.array(0.3, dtype=np.float32), name='dropout_ratio'))
    insert_after(relu, helper.make_node('Dropout', ['x', 'dropout_ratio'], ['y'], name='keras_dropout'))
    checker.check_model(model)
    onnx.save(model, path)


def export(name, model, shape, is_batch_dynamic=False, opset=13):
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
    # A dynamic one (as torchvision models are exported) keeps it, to be folded at import.
    dynamic_axes = {'input': {0: 'batch'}, 'output': {0: 'batch'}} if is_batch_dynamic else None
    torch.onnx.export(model, x, os.path.join(OUT, f'{name}.onnx'), opset_version=opset, input_names=['input'], output_names=['output'],
                      do_constant_folding=True, dynamic_axes=dynamic_axes)
    np.save(os.path.join(OUT, f'{name}-input.npy'), x.numpy().astype(np.float32))
    np.save(os.path.join(OUT, f'{name}-output.npy'), y.numpy().astype(np.float32))


os.makedirs(OUT, exist_ok=True)
export('plain', Plain(), (3, 1, 28, 28))
export('branches', Branches(), (2, 3, 12, 10))
export('gates', Gates(), (2, 3, 10, 10))
export('keras-style', KerasStyle(), (2, 12, 12, 3))
add_tf2onnx_nodes(os.path.join(OUT, 'keras-style.onnx'))
export('torchvision-ops', TorchvisionOps(), (2, 3, 24, 24), is_batch_dynamic=True)
export('channels-last-block', ChannelsLastBlock(), (2, 3, 12, 10), is_batch_dynamic=True)
# The same weights at two opsets: HardSwish and LayerNormalization are operators from opsets 14 and 17.
mobile_ops = MobileOps()
export('mobile-ops', mobile_ops, (2, 3, 12, 10), is_batch_dynamic=True)
export('mobile-ops-opset17', mobile_ops, (2, 3, 12, 10), is_batch_dynamic=True, opset=17)
export('decoder-ops', DecoderOps(), (2, 3, 12, 10), is_batch_dynamic=True)
export('upsample-opset9', NearestUpsample(), (2, 3, 4, 3), opset=9)
print('wrote', sorted(os.listdir(OUT)))
