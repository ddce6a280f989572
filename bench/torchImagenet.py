"""PyTorch as a long-lived library process of `npm run bench:imagenet` (bench/imagenet.ts).

    /usr/bin/python3 bench/torchImagenet.py THREADS

Speaks bench/imagenetProtocol.ts: prints a hello line, then answers one JSON request per stdin line
on stdout (load, measure, unload, memory, exit). Builds torchvision's models with weights=None from
torch.manual_seed(0) (speed only), eager mode, float32, torch.set_num_threads(THREADS). Inference runs
in eval mode under torch.inference_mode; the fine-tuning step (cross-entropy on 1000 classes, SGD with
momentum) keeps batch normalization in eval mode (frozen statistics), the nearest to ConvNet.ts, whose
importer folds it into the convolutions; dropout trains. Limits: no torch.compile, no channels-last.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn
import torchvision

IMAGE_SIZE = 224
CHANNELS = 3
CLASSES = 1000
BATCHES = {'latency': 1, 'throughput': 8, 'train': 16}
TRAIN_BATCH = 16
LEARNING_RATE = 1e-5  # bench/imagenetModels.ts says why
MOMENTUM = 0.9


def read_input(path):
    """The shared input file (bench/imagenetModels.ts writeInputFile): pixels NCHW float32, then int32 labels."""
    values = TRAIN_BATCH * CHANNELS * IMAGE_SIZE * IMAGE_SIZE
    raw = np.fromfile(path, dtype=np.uint8)
    pixels = raw[:values * 4].view(np.float32).reshape(TRAIN_BATCH, CHANNELS, IMAGE_SIZE, IMAGE_SIZE)
    labels = raw[values * 4:values * 4 + TRAIN_BATCH * 4].view(np.int32)
    return torch.from_numpy(pixels.copy()), torch.from_numpy(labels.astype(np.int64))


class Loaded:
    def __init__(self, name, input_path):
        torch.manual_seed(0)
        self.model = getattr(torchvision.models, name)(weights=None)
        pixels, labels = read_input(input_path)
        self.inputs = {mode: pixels[:batch].contiguous() for mode, batch in BATCHES.items()}
        self.labels = labels
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
        self.loss_function = nn.CrossEntropyLoss()

    def run(self, mode):
        if mode == 'train':
            self.model.train()
            for module in self.model.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.eval()
            self.optimizer.zero_grad()
            loss = self.loss_function(self.model(self.inputs[mode]), self.labels)
            loss.backward()
            self.optimizer.step()
            return
        self.model.eval()
        with torch.inference_mode():
            self.model(self.inputs[mode])


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    base_resident = resident_bytes()
    wait_policy = os.environ.get('OMP_WAIT_POLICY', 'default')
    note = (f'torch {torch.__version__}, torchvision {torchvision.__version__}, eager, {torch.get_num_threads()} thread(s), '
            f'OMP_WAIT_POLICY {wait_policy}; fine-tuning with batch norm frozen')
    print(json.dumps({'hello': True, 'library': 'PyTorch', 'threads': torch.get_num_threads(), 'note': note}), flush=True)
    models = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        reply = {'id': request['id'], 'ok': True}
        try:
            command = request['command']
            if command == 'load':
                models[request['model']] = Loaded(request['model'], request['inputFile'])
                reply['note'] = note
            elif command == 'measure':
                loaded = models[request['model']]
                for _ in range(request['warmup']):
                    loaded.run(request['mode'])
                milliseconds = []
                for _ in range(request['repetitions']):
                    started = time.perf_counter()
                    loaded.run(request['mode'])
                    milliseconds.append((time.perf_counter() - started) * 1000)
                reply['milliseconds'] = milliseconds
            elif command == 'unload':
                models.pop(request['model'], None)
            elif command == 'memory':
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
                reply['memory'] = {
                    'wasmMemoryBytes': None, 'wasmPeakInUseBytes': None, 'javascriptGrowthBytes': None,
                    'residentGrowthBytes': resident_bytes() - base_resident, 'peakResidentGrowthBytes': peak - base_resident,
                }
        except Exception as error:  # One failing request must not end the process: the parent reports it.
            reply = {'id': request['id'], 'ok': False, 'error': f'{type(error).__name__}: {error}'.splitlines()[0][:300]}
        print(json.dumps(reply), flush=True)
        if request.get('command') == 'exit':
            break
    return 0


def resident_bytes():
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


if __name__ == '__main__':
    sys.exit(main())
