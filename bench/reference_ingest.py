"""Reference for bench:ingest: decode every PNG of a class-folder zip with PIL
into one uint8 array, as a Python data pipeline would (zipfile + PIL + numpy).
Prints one JSON line."""
import io
import json
import sys
import time
import zipfile

import numpy as np
from PIL import Image

path = sys.argv[1]
t0 = time.perf_counter()
rows, labels, classes = [], [], {}
with zipfile.ZipFile(path) as z:
    for info in z.infolist():
        if info.is_dir() or not info.filename.lower().endswith('.png'):
            continue
        parts = info.filename.split('/')
        cls = parts[-2]
        labels.append(classes.setdefault(cls, len(classes)))
        with z.open(info) as f:
            rows.append(np.asarray(Image.open(io.BytesIO(f.read())).convert('L'), dtype=np.uint8))
packed = np.stack(rows)
dt = time.perf_counter() - t0
print(json.dumps({'engine': 'python zipfile + PIL + numpy', 'images': int(packed.shape[0]), 'seconds': dt, 'imagesPerSec': packed.shape[0] / dt}))
