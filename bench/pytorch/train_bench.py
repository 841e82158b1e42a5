#!/usr/bin/env python3
"""PyTorch reference for bench/training.bench.ts.

Trains and runs the same three networks as the tfjs benchmark (same layers,
same batch, Adam lr 1e-3, cross-entropy) on random data and prints one JSON
line: {"net", "trainImgPerSec", "inferImgPerSec", "trainImgPerCpuSec",
"inferImgPerCpuSec", "trainSteps", "inferSteps",
"peakRssMB", "threads", "blas", "torch"}.

The caller decides the configuration through the environment (as installed,
or with OpenBLAS preloaded and glibc's mmap threshold raised); this script
only reports what it ran with.

    python3 bench/pytorch/train_bench.py --net mnist --seconds 4 --batch 64
"""
import argparse
import json
import resource
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover - reported to the caller as an error line
    print(f"torch is not installed: {e}", file=sys.stderr)
    sys.exit(2)


def mnist_net():
    # conv 32 3x3 relu, pool 2, conv 64 3x3 relu, pool 2, dense 128 relu, dense 10
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def cifar_net():
    # The Keras CIFAR-10 example, as templates/cifar10-cnn.json.
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(64 * 6 * 6, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10),
    )


class Block(nn.Module):
    """ResNet v1 basic block; 1x1 strided projection when the shape changes (as the tfjs bench)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.b1 = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.b2 = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)
        self.proj = nn.Conv2d(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1), nn.BatchNorm2d(16, eps=1e-3, momentum=0.01), nn.ReLU())
        blocks, cin = [], 16
        for stage, cout in enumerate([16, 32, 64]):
            for b in range(3):
                blocks.append(Block(cin, cout, 2 if stage > 0 and b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(x.mean(dim=(2, 3)))


NETS = {"mnist": (mnist_net, (1, 28, 28)), "cifar": (cifar_net, (3, 32, 32)), "resnet": (ResNet20, (3, 32, 32))}


def blas_in_use():
    """Which BLAS library the process mapped (reference libblas or OpenBLAS)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        return sorted(libs)
    except OSError:
        return []


def timed(fn, min_seconds, min_steps):
    """Steps, wall seconds and process CPU seconds (all threads) of repeated fn()."""
    for _ in range(2):  # warm-up
        fn()
    steps, t0, c0 = 0, time.perf_counter(), time.process_time()
    while steps < min_steps or time.perf_counter() - t0 < min_seconds:
        fn()
        steps += 1
    return steps, time.perf_counter() - t0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", choices=sorted(NETS), required=True)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    torch.manual_seed(0)
    make, shape = NETS[a.net]
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(a.batch, *shape)
    y = torch.randint(0, 10, (a.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    tr_steps, tr_s, tr_cpu = timed(step, a.seconds, 3)

    model.eval()

    def infer():
        with torch.no_grad():
            return torch.softmax(model(x), 1)[0, 0].item()

    in_steps, in_s, in_cpu = timed(infer, a.seconds / 2, 3)
    print(json.dumps({
        "net": a.net,
        "trainImgPerSec": round(tr_steps * a.batch / tr_s),
        "inferImgPerSec": round(in_steps * a.batch / in_s),
        "trainImgPerCpuSec": round(tr_steps * a.batch / tr_cpu),
        "inferImgPerCpuSec": round(in_steps * a.batch / in_cpu),
        "trainSteps": tr_steps,
        "inferSteps": in_steps,
        "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "threads": torch.get_num_threads(),
        "blas": blas_in_use(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
