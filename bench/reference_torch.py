"""PyTorch reference for the benchmarks: the same model, data and batch as ours.

A plain PyTorch training loop, as people write it: data preloaded as a uint8
tensor, per batch an index, a float conversion, forward, cross-entropy,
backward, optimizer step. After warm-up it times `--windows` windows of
`--steps` steps each and prints one JSON line with every window's rate and
their median.

  python3 bench/reference_torch.py --model mnist-cnn --steps 40 --windows 5 --batch 64 --threads 2
  python3 bench/reference_torch.py --model resnet18 --input 32 --channels 3 --precision bf16 --channels-last
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION_DIR = '/usr/share/datasets/fashion-mnist'


def load_images(limit):
    path = os.path.join(FASHION_DIR, 'train-images-idx3-ubyte.gz')
    if not os.path.exists(path):
        g = torch.Generator().manual_seed(0)
        return torch.randint(0, 256, (limit, 1, 28, 28), dtype=torch.uint8, generator=g), torch.randint(0, 10, (limit,), generator=g)
    with gzip.open(path, 'rb') as f:
        _, n, h, w = struct.unpack('>IIII', f.read(16))
        n = min(n, limit)
        images = torch.frombuffer(bytearray(f.read(n * h * w)), dtype=torch.uint8).view(n, 1, h, w)
    with gzip.open(os.path.join(FASHION_DIR, 'train-labels-idx1-ubyte.gz'), 'rb') as f:
        f.read(8)
        labels = torch.frombuffer(bytearray(f.read(n)), dtype=torch.uint8).long()
    return images, labels


def mnist_cnn():
    # The tutorial's MNIST CNN: 320 / 18,496 / 401,536 / 1,290 = 421,642 parameters.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def design_guide_cnn():
    # examples/design-guide-cnn.json: 871,082 parameters.
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(
        *block(1, 32), *block(32, 32), nn.MaxPool2d(2), nn.Dropout(0.25),
        *block(32, 64), *block(64, 64), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(3136, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(256, 10),
    )


def build(name, num_classes, channels, size=28):
    if name == 'mnist-cnn':
        return mnist_cnn()
    if name == 'design-guide-cnn':
        return design_guide_cnn()
    # Zoo models exactly as the engine's zoo builds them (small inputs get stride-1 stems), from the
    # builder the zoo parity tests check against.
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'helpers'))
    from torchvision_state import build as build_zoo
    return build_zoo(name, num_classes, (size, size, channels))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default='mnist-cnn')
    ap.add_argument('--steps', type=int, default=40, help='steps per timed window')
    ap.add_argument('--windows', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=5)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--input', type=int, default=28)
    ap.add_argument('--channels', type=int, default=1, help='grey images repeated to this many channels')
    ap.add_argument('--optimizer', default='adam')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--precision', default='fp32', choices=['fp32', 'bf16'], help='bf16: torch.autocast to bfloat16')
    ap.add_argument('--channels-last', action='store_true', help='model and batches in channels-last memory order')
    ap.add_argument('--serve', action='store_true',
                    help='after warm-up, time one window per "window" line on stdin and print its rate (for interleaved runs)')
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n = args.batch * 50
    images, labels = load_images(n)
    n = images.shape[0]
    if args.input != 28:
        images = F.interpolate(images.float(), size=(args.input, args.input), mode='bilinear', align_corners=False).round().clamp(0, 255).to(torch.uint8)
    if args.channels != 1:
        images = images.repeat(1, args.channels, 1, 1).contiguous()
    dev = torch.device('cuda' if args.device in ('cuda', 'auto') and torch.cuda.is_available() else 'cpu')
    images, labels = images.to(dev), labels.to(dev)
    model = build(args.model, 10, args.channels, args.input).to(dev)
    if dev.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    model.train()
    use_bf16 = args.precision == 'bf16'
    opt = torch.optim.Adam(model.parameters(), lr=1e-3) if args.optimizer == 'adam' else torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        idx = torch.randint(0, n, (args.batch,), device=dev)
        x = images[idx].float().div_(255.0).contiguous(memory_format=fmt)
        y = labels[idx]
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=use_bf16):
            out = model(x)
        loss = F.cross_entropy(out.float(), y)
        loss.backward()
        opt.step()
        return loss.detach()

    for _ in range(args.warmup):
        step()
    setup = f'{args.precision}{" autocast" if use_bf16 else ""}, {"channels-last" if args.channels_last else "NCHW"}'
    if args.serve:
        print(json.dumps({'ready': True, 'setup': setup, 'engine': f'pytorch {torch.__version__}'}), flush=True)
        for line in sys.stdin:
            if line.strip() != 'window':
                break
            t0 = time.perf_counter()
            for _ in range(args.steps):
                loss = step()
            float(loss)
            print(json.dumps({'imagesPerSec': args.steps * args.batch / (time.perf_counter() - t0)}), flush=True)
        return
    rates = []
    loss = None
    for _ in range(args.windows):
        if dev.type == 'cuda':
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(args.steps):
            loss = step()
        loss_value = float(loss)  # waits for the device
        rates.append(args.steps * args.batch / (time.perf_counter() - t0))
    print(json.dumps({
        'engine': f'pytorch {torch.__version__} (python, {dev.type}, {setup})',
        'setup': setup,
        'model': args.model,
        'imagesPerSec': statistics.median(rates),
        'windows': rates,
        'steps': args.steps,
        'batch': args.batch,
        'threads': torch.get_num_threads(),
        'finalLoss': loss_value,
    }))


if __name__ == '__main__':
    main()
