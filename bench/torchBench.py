"""PyTorch peer for bench/run.ts: trains and infers the benchmark workloads and prints JSON on its last line.

Takes the workloads and constants from bench/workloads.ts as JSON (argv[1]), so both sides build the same
networks: channels first, 3x3 'same' convs, 2x2 max pools, SGD momentum, softmax cross-entropy.
Limits: eager mode, float32; run only where Debian's python3-torch is installed (the bench never installs it).
"""
import json
import statistics
import sys
import time

import torch
from torch import nn

THREADS = 2
PLANS = {
    "train": {"warmup": 3, "min_repetitions": 5, "max_repetitions": 25, "budget_seconds": 4},
    "infer": {"warmup": 3, "min_repetitions": 5, "max_repetitions": 25, "budget_seconds": 3},
    "latency": {"warmup": 5, "min_repetitions": 11, "max_repetitions": 51, "budget_seconds": 2},
}


def build_model(workload, kernel_size, pool_size):
    height, width, channels = workload["inputShape"]
    features = 0
    layers = []
    for spec in workload["layers"]:
        kind = spec["kind"]
        if kind == "conv":
            layers.append(nn.Conv2d(channels, spec["filters"], kernel_size, padding=(kernel_size - 1) // 2))
            channels = spec["filters"]
        elif kind == "relu":
            layers.append(nn.ReLU())
        elif kind == "maxPool":
            layers.append(nn.MaxPool2d(pool_size))
            height, width = height // pool_size, width // pool_size
        elif kind == "flatten":
            layers.append(nn.Flatten())
            features = channels * height * width
        elif kind == "dense":
            layers.append(nn.Linear(features, spec["units"]))
            features = spec["units"]
        else:
            raise ValueError(f"torchBench: unknown layer kind {kind!r}")
    return nn.Sequential(*layers)


def time_repeated(action, plan):
    """Median milliseconds of `action` after warm-up; repeats until max_repetitions or the time budget."""
    for _ in range(plan["warmup"]):
        action()
    samples = []
    started = time.perf_counter()
    while len(samples) < plan["max_repetitions"]:
        before = time.perf_counter()
        action()
        samples.append((time.perf_counter() - before) * 1000)
        is_over_budget = time.perf_counter() - started > plan["budget_seconds"]
        if len(samples) >= plan["min_repetitions"] and is_over_budget:
            break
    return statistics.median(samples), len(samples)


def examples(workload, batch, generator):
    height, width, channels = workload["inputShape"]
    pixels = torch.rand(batch, channels, height, width, generator=generator)
    labels = torch.randint(0, workload["classes"], (batch,), generator=generator)
    return pixels, labels


def measure(workload, config):
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(config["seed"])
    batch_size = config["batch"]
    model = build_model(workload, config["kernelSize"], config["poolSize"])
    pixels, labels = examples(workload, batch_size, generator)
    single, _ = examples(workload, 1, generator)
    note = f"torch {torch.__version__}, eager, {torch.get_num_threads()} threads"
    results = []

    def record(mode, value, unit, repetitions, what):
        results.append({
            "library": "PyTorch", "workload": workload["id"], "mode": mode, "threads": THREADS,
            "value": value, "unit": unit, "note": f"{what}: median of {repetitions}; {note}",
        })

    model.eval()
    with torch.inference_mode():
        milliseconds, repetitions = time_repeated(lambda: torch.softmax(model(pixels), 1), PLANS["infer"])
        record("infer", batch_size * 1000 / milliseconds, "img/s", repetitions, "batches of 64")
        milliseconds, repetitions = time_repeated(lambda: torch.softmax(model(single), 1), PLANS["latency"])
        record("latency", milliseconds, "ms", repetitions, "single-image predictions")

    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=config["learningRate"], momentum=config["momentum"])
    loss_function = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_function(model(pixels), labels)
        loss.backward()
        optimizer.step()

    milliseconds, repetitions = time_repeated(step, PLANS["train"])
    record("train", batch_size * 1000 / milliseconds, "img/s", repetitions, "training steps of 64")
    return results


def main():
    config = json.loads(sys.argv[1])
    torch.set_num_threads(THREADS)
    results = []
    for workload in config["workloads"]:
        results.extend(measure(workload, config))
    print(json.dumps({"torch": torch.__version__, "results": results}))


if __name__ == "__main__":
    main()
