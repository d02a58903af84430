#!/usr/bin/python3
"""Reference state_dicts of the zoo models, built with torchvision.

Builds the torchvision model that a zoo reference stands for -- with the same
adaptations for other input sizes and channels as src/architecture/zoo (see its header
comment) -- and prints its state_dict as JSON {name: shape}.

    torchvision_state.py MODEL [--classes K] [--input H,W,C] [--save DIR] [--seed N]
    torchvision_state.py --batch < refs.json

--batch reads a JSON array of zoo references ({"zoo", "numClasses"?,
"inputShape"?}) on stdin and prints a JSON array, one entry per reference in
order: {"state": {name: shape}, "modules": {name: hyper-parameters}}, where
"modules" describes the convs, batch norms, linears, pools, dropouts,
stochastic depths and activations by module name (see describe()). Weights are
left uninitialised there, which makes VGG-size models fast to build.

--save DIR also writes, for engine parity tests:
  DIR/weights.safetensors  the state_dict with random weights, batch-norm
                           statistics and affine parameters (float32; the
                           num_batches_tracked counters int64)
  DIR/weights.pth          the same state_dict as torch.save writes it
  DIR/io.safetensors       "input" [2, C, H, W] float32 (NCHW, fixed by the
                           seed) and "logits" [2, K] float32: the model's
                           output on it in eval mode
The safetensors files are written here with struct/json; no extra package.

Needs Debian's python3-torch and python3-torchvision (run with /usr/bin/python3).
"""

import argparse
import json
import os
import struct
import sys

import torch
from torch import nn
import torchvision.models as tvm
from torchvision.models.googlenet import BasicConv2d as GoogLeNetBasicConv2d
from torchvision.models.inception import BasicConv2d as InceptionBasicConv2d

# Mirrors src/architecture/zoo: stems switch to stride 1 below these sizes.
SMALL_INPUT_PX = 64
INCEPTION_STANDARD_MIN_PX = 75
LENET_NATIVE_PX = 32

DEFAULTS = {
    "lenet5": (10, (32, 32, 1)),
    "inception_v3": (1000, (299, 299, 3)),
}
DEFAULT_CLASSES = 1000
DEFAULT_INPUT = (224, 224, 3)
NAMES = [
    "lenet5", "alexnet", "vgg16", "vgg16_bn", "googlenet", "resnet18", "resnet34", "resnet50",
    "mobilenet_v2", "efficientnet_b0", "inception_v3",
]


class LeNet5(nn.Module):
    """LeNet-5 with torchvision-style names: features / classifier Sequentials."""

    def __init__(self, num_classes, in_channels, padding):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=padding), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def build(name, num_classes, shape):
    """The reference torch module for a zoo reference, in eval mode."""
    h, w, c = shape
    smallest = min(h, w)
    small = smallest < SMALL_INPUT_PX
    if name == "lenet5":
        model = LeNet5(num_classes, c, 2 if smallest < LENET_NATIVE_PX else 0)
        # The first dense layer takes whatever the features produce.
        with torch.no_grad():
            n = model.features(torch.zeros(1, c, h, w)).numel()
        model.classifier[0] = nn.Linear(n, 120)
    elif name.startswith("resnet"):
        model = getattr(tvm, name)(num_classes=num_classes)
        if small:
            model.conv1 = nn.Conv2d(c, 64, 3, 1, 1, bias=False)
            model.maxpool = nn.Identity()
        elif c != 3:
            model.conv1 = nn.Conv2d(c, 64, 7, 2, 3, bias=False)
    elif name == "alexnet":
        model = tvm.alexnet(num_classes=num_classes)
        if small:
            model.features[0] = nn.Conv2d(c, 64, 3, 1, 1)
        elif c != 3:
            model.features[0] = nn.Conv2d(c, 64, 11, 4, 2)
    elif name in ("vgg16", "vgg16_bn"):
        model = getattr(tvm, name)(num_classes=num_classes)
        if c != 3:
            model.features[0] = nn.Conv2d(c, 64, 3, padding=1)
        size = [h, w]
        for i, layer in enumerate(model.features):
            if isinstance(layer, nn.MaxPool2d):
                if min(size) < 2:
                    model.features[i] = nn.Identity()
                else:
                    size = [s // 2 for s in size]
    elif name == "googlenet":
        model = tvm.googlenet(num_classes=num_classes, aux_logits=False, init_weights=True)
        if small:
            model.conv1 = GoogLeNetBasicConv2d(c, 64, kernel_size=3, stride=1, padding=1)
            model.maxpool1 = nn.Identity()
        elif c != 3:
            model.conv1 = GoogLeNetBasicConv2d(c, 64, kernel_size=7, stride=2, padding=3)
    elif name in ("mobilenet_v2", "efficientnet_b0"):
        model = getattr(tvm, name)(num_classes=num_classes)
        if small or c != 3:
            model.features[0][0] = nn.Conv2d(c, 32, 3, 1 if small else 2, 1, bias=False)
    elif name == "inception_v3":
        model = tvm.inception_v3(num_classes=num_classes, aux_logits=False, init_weights=True)
        adapted = smallest < INCEPTION_STANDARD_MIN_PX
        if adapted or c != 3:
            model.Conv2d_1a_3x3 = InceptionBasicConv2d(c, 32, kernel_size=3, stride=1 if adapted else 2)
        if adapted:
            model.maxpool1 = nn.Identity()
    else:
        raise SystemExit(f"unknown model '{name}'; expected one of {', '.join(NAMES)}")
    return model.eval()


def resolve(ref):
    name = ref["zoo"]
    classes, shape = DEFAULTS.get(name, (DEFAULT_CLASSES, DEFAULT_INPUT))
    return name, ref.get("numClasses", classes), tuple(ref.get("inputShape", shape))


def shapes(model):
    return {key: list(t.shape) for key, t in model.state_dict().items()}


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


ACTIVATIONS = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.SiLU: "silu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}


def describe(model):
    """The hyper-parameters that shape each module's output, by module name."""
    out = {}
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            d = {"type": "conv2d", "kernel": pair(m.kernel_size), "stride": pair(m.stride), "padding": pair(m.padding),
                 "dilation": pair(m.dilation), "groups": m.groups, "bias": m.bias is not None}
        elif isinstance(m, nn.BatchNorm2d):
            d = {"type": "batchNorm", "eps": m.eps, "momentum": m.momentum}
        elif isinstance(m, nn.Linear):
            d = {"type": "dense", "bias": m.bias is not None}
        elif isinstance(m, nn.MaxPool2d):
            d = {"type": "maxPool2d", "kernel": pair(m.kernel_size), "stride": pair(m.stride), "padding": pair(m.padding),
                 "ceil_mode": m.ceil_mode}
        elif isinstance(m, nn.AvgPool2d):
            d = {"type": "avgPool2d", "kernel": pair(m.kernel_size), "stride": pair(m.stride), "padding": pair(m.padding),
                 "ceil_mode": m.ceil_mode, "count_include_pad": m.count_include_pad}
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            d = {"type": "adaptiveAvgPool2d", "output_size": pair(m.output_size)}
        elif isinstance(m, nn.Dropout):
            d = {"type": "dropout", "p": m.p}
        elif type(m).__name__ == "StochasticDepth":
            d = {"type": "dropPath", "p": m.p, "mode": m.mode}
        elif type(m) in ACTIVATIONS:
            d = {"type": "activation", "activation": ACTIVATIONS[type(m)]}
        else:
            continue
        out[name] = d
    return out


class SkipInit:
    """Within: torch.nn.init's in-place initialisers do nothing (tensors stay uninitialised)."""

    def __enter__(self):
        self.saved = {k: v for k, v in vars(nn.init).items() if k.endswith("_") and not k.startswith("_") and callable(v)}
        for k in self.saved:
            setattr(nn.init, k, lambda tensor, *args, **kwargs: tensor)
        return self

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            setattr(nn.init, k, v)


def randomize(model, generator):
    """Random batch-norm statistics and affine parameters, so that eval-mode batch norm is not the identity."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(n, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(n, generator=generator) * 0.1)


SAFETENSORS_DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata=None):
    """safetensors: u64 LE header length, JSON header (padded to 8 bytes), then the raw little-endian data."""
    header = {}
    blobs = []
    offset = 0
    for key, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype not in SAFETENSORS_DTYPES:
            t = t.float()
        data = t.numpy().tobytes() if t.numel() > 0 else b""
        header[key] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save(model, name, num_classes, shape, out_dir, seed):
    h, w, c = shape
    generator = torch.Generator().manual_seed(seed)
    randomize(model, generator)
    x = torch.randn(2, c, h, w, generator=generator)
    with torch.no_grad():
        logits = model(x)
    os.makedirs(out_dir, exist_ok=True)
    meta = {"model": name, "numClasses": num_classes, "inputShape": json.dumps(list(shape)), "seed": seed}
    write_safetensors(os.path.join(out_dir, "weights.safetensors"), model.state_dict(), meta)
    write_safetensors(os.path.join(out_dir, "io.safetensors"), {"input": x, "logits": logits}, {**meta, "layout": "NCHW"})
    # The same weights as torch.save writes them (zip format), as published checkpoints are.
    torch.save(model.state_dict(), os.path.join(out_dir, "weights.pth"))


def parse_input(text):
    parts = text.split(",")
    if len(parts) != 3 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"expected H,W,C of positive integers, got '{text}'")
    return [int(p) for p in parts]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", choices=NAMES)
    parser.add_argument("--classes", type=int)
    parser.add_argument("--input", type=parse_input, help="H,W,C")
    parser.add_argument("--save", metavar="DIR")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", action="store_true", help="read a JSON array of zoo references on stdin")
    args = parser.parse_args()

    if args.batch:
        out = []
        for ref in json.load(sys.stdin):
            name, num_classes, shape = resolve(ref)
            with SkipInit():
                model = build(name, num_classes, shape)
            out.append({"state": shapes(model), "modules": describe(model)})
        json.dump(out, sys.stdout)
        return
    if args.model is None:
        parser.error("give a model name or --batch")
    ref = {"zoo": args.model}
    if args.classes is not None:
        ref["numClasses"] = args.classes
    if args.input is not None:
        ref["inputShape"] = args.input
    name, num_classes, shape = resolve(ref)
    torch.manual_seed(args.seed)
    model = build(name, num_classes, shape)
    if args.save:
        save(model, name, num_classes, shape, args.save, args.seed)
    json.dump(shapes(model), sys.stdout)


if __name__ == "__main__":
    main()
