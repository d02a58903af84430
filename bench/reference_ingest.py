"""Reference for bench:ingest: decode every image of a class-folder zip with PIL
into one uint8 array, as a Python data pipeline would (zipfile + PIL + numpy).
`--size H W --mode RGB` also resizes each image (Lanczos, as ours) and
converts it, e.g. photos to a 224×224×3 input. Prints one JSON line."""
import argparse
import io
import json
import time
import zipfile

import numpy as np
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument('zip')
p.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'))
p.add_argument('--mode', default='L')
a = p.parse_args()

EXTS = ('.png', '.jpg', '.jpeg', '.webp')
t0 = time.perf_counter()
c0 = time.process_time()
rows, labels, classes = [], [], {}
with zipfile.ZipFile(a.zip) as z:
    for info in z.infolist():
        if info.is_dir() or not info.filename.lower().endswith(EXTS):
            continue
        parts = info.filename.split('/')
        labels.append(classes.setdefault(parts[-2], len(classes)))
        with z.open(info) as f:
            img = Image.open(io.BytesIO(f.read())).convert(a.mode)
        if a.size:
            h, w = a.size
            if img.size != (w, h):
                img = img.resize((w, h), Image.LANCZOS)
        rows.append(np.asarray(img, dtype=np.uint8))
packed = np.stack(rows)
dt = time.perf_counter() - t0
cpu = time.process_time() - c0
what = 'decode' + (f' + resize to {a.size[0]}x{a.size[1]}' if a.size else '')
print(json.dumps({'engine': f'python zipfile + PIL + numpy ({what})', 'images': int(packed.shape[0]), 'seconds': dt, 'cpuSeconds': cpu, 'imagesPerSec': packed.shape[0] / dt}))
