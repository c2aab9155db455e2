#!/usr/bin/python3
"""PyTorch side of `kdlabs bench`: trains the kit's MNIST CNN (teacher or student) for one timed epoch.

Same model (conv 3x3 -> ReLU -> conv 3x3 -> ReLU -> max-pool 2 -> dropout 0.25 -> fc -> ReLU -> dropout 0.5 -> fc),
same data (the first N MNIST training images, scaled to [0, 1] then normalised with mean 0.1307 and std 0.3081),
same batch size, Adam at 1e-3, cross-entropy, shuffled order, the given intra-op thread count. One untimed warm-up
epoch first, as on the kit's side. Prints one JSON object: {"images_per_second": ..., "torch": ..., "blas": ...}.
With --eval-batches (e.g. 1,64) it instead times evaluation (eval mode, no gradients, consecutive slices of the first
--images test images; batch 1 at most 256 of them) at each batch size after an untimed pass, and prints
{"eval_images_per_second": {"1": ..., "64": ...}, ...}.
Needs tools/KdLabs.Bench/scripts/setup-bench.sh (Debian's python3-torch with the OpenMP OpenBLAS); never needed by the tests.
"""
import argparse
import json
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

WIDTHS = {"cnn-teacher": (32, 64, 128), "cnn-student": (16, 32, 64)}


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


class MnistCnn(nn.Module):
    def __init__(self, c1, c2, hidden):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3)
        self.conv2 = nn.Conv2d(c1, c2, 3)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(c2 * 12 * 12, hidden)
        self.dropout2 = nn.Dropout(0.5)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = self.dropout1(F.max_pool2d(x, 2)).flatten(1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return self.fc2(x)


def epoch(model, optimizer, x, y, batch, seed):
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(x.shape[0], generator=g)
    model.train()
    start = time.perf_counter()
    for i in range(0, x.shape[0], batch):
        idx = order[i:i + batch]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x.index_select(0, idx)), y.index_select(0, idx))
        loss.backward()
        optimizer.step()
    return x.shape[0] / (time.perf_counter() - start)


def evaluate(model, x, batch):
    model.eval()
    with torch.no_grad():
        start = time.perf_counter()
        for i in range(0, x.shape[0], batch):
            model(x[i:i + batch])
    return x.shape[0] / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="data/mnist")
    p.add_argument("--model", default="cnn-teacher", choices=sorted(WIDTHS))
    p.add_argument("--images", type=int, default=2048)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--eval-batches", default="")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.eval_batches:
        x = read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte"))[:a.images].float().div_(255).sub_(0.1307).div_(0.3081).unsqueeze(1)
        model = MnistCnn(*WIDTHS[a.model])
        rates = {}
        for b in (int(v) for v in a.eval_batches.split(",")):
            data = x[:256] if b == 1 else x
            evaluate(model, data, b)
            rates[str(b)] = evaluate(model, data, b)
        print(json.dumps({"eval_images_per_second": rates, "torch": torch.__version__, "threads": torch.get_num_threads()}))
        return 0
    x = read_idx(os.path.join(a.data, "train-images-idx3-ubyte"))[:a.images].float().div_(255).sub_(0.1307).div_(0.3081).unsqueeze(1)
    y = read_idx(os.path.join(a.data, "train-labels-idx1-ubyte"))[:a.images].long()
    model = MnistCnn(*WIDTHS[a.model])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    epoch(model, optimizer, x, y, a.batch_size, a.seed)
    rate = epoch(model, optimizer, x, y, a.batch_size, a.seed + 1)
    blas = ""
    try:
        blas = os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")
    except OSError:
        pass
    print(json.dumps({"images_per_second": rate, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas}))


if __name__ == "__main__":
    sys.exit(main())
