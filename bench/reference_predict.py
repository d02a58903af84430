"""PyTorch reference for bench:predict: the same model in eval mode under
torch.inference_mode, fed uint8 images as the engine is (scale, normalize,
forward, softmax). Prints one JSON line: one-image latency p50/p99 in ms and
batch images/s (median of timed windows).

  python3 bench/reference_predict.py --model mnist-cnn --threads 2
"""
import argparse
import json
import statistics
import time

import torch

from reference_torch import build


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default='mnist-cnn')
    ap.add_argument('--input', type=int, default=28)
    ap.add_argument('--channels', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--singles', type=int, default=200)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--windows', type=int, default=5)
    ap.add_argument('--batches-per-window', type=int, default=5)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build(args.model, 10, args.channels, args.input).eval()
    images = torch.randint(0, 256, (args.batch, args.input, args.input, args.channels), dtype=torch.uint8)

    def run(x):
        with torch.inference_mode():
            t = x.permute(0, 3, 1, 2).float().div_(255.0)
            return torch.softmax(model(t), 1)

    for _ in range(10):
        run(images[:1])
        run(images)
    lat = []
    for i in range(args.singles):
        t0 = time.perf_counter()
        run(images[i % args.batch:i % args.batch + 1])
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    rates = []
    for _ in range(args.windows):
        t0 = time.perf_counter()
        for _ in range(args.batches_per_window):
            run(images)
        rates.append(args.batches_per_window * args.batch / (time.perf_counter() - t0))
    print(json.dumps({
        'engine': f'pytorch {torch.__version__} (python, eval, inference_mode, fp32)',
        'p50Ms': lat[len(lat) // 2],
        'p99Ms': lat[min(len(lat) - 1, int(0.99 * len(lat)))],
        'batchImagesPerSec': statistics.median(rates),
    }))


if __name__ == '__main__':
    main()
