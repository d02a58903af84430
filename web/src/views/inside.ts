/**
 * Inside the CNN, as the tutorial shows it: the first conv layer's filters,
 * the feature maps of every conv and pooling layer with their shapes, the
 * classic kernels (edges, blur, sharpen) slid over the same image beside the
 * learned ones, and max pooling shrinking a map.
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { b64bytes, diverging, pct } from '../util.js';
import { DropZone } from './dropzone.js';
import { TopBars } from './results.js';

interface Layer {
  name: string;
  type: string;
  shape: [number, number, number];
  maps: number;
  min: number[];
  max: number[];
  tiles: string;
}
interface Activations {
  input: { shape: [number, number, number]; pixels: string };
  layers: Layer[];
  top: { className: string; classIndex: number; probability: number }[];
}
interface Filters {
  layer: string;
  shape: number[];
  min: number;
  max: number;
  weights: number[];
}

/** Draws grey maps (each h×w, values 0..255) in a grid, each scaled by `scale`. */
function drawGrid(c: HTMLCanvasElement, maps: Uint8Array[], h: number, w: number, scale: number, cols: number, gap = 2): void {
  const rows = Math.ceil(maps.length / cols);
  c.width = cols * (w * scale + gap);
  c.height = rows * (h * scale + gap);
  const g = c.getContext('2d')!;
  g.imageSmoothingEnabled = false;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, c.width, c.height);
  const tile = document.createElement('canvas');
  tile.width = w;
  tile.height = h;
  const tg = tile.getContext('2d')!;
  const img = tg.createImageData(w, h);
  maps.forEach((m, i) => {
    for (let k = 0; k < h * w; k++) {
      const v = m[k]!;
      img.data[4 * k] = v;
      img.data[4 * k + 1] = v;
      img.data[4 * k + 2] = v;
      img.data[4 * k + 3] = 255;
    }
    tg.putImageData(img, 0, 0);
    g.drawImage(tile, (i % cols) * (w * scale + gap), Math.floor(i / cols) * (h * scale + gap), w * scale, h * scale);
  });
}

function MapGrid({ maps, h, w, scale, cols, label, testid, shape }: { maps: Uint8Array[]; h: number; w: number; scale: number; cols: number; label: string; testid?: string; shape?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    drawGrid(ref.current!, maps, h, w, scale, cols);
    ref.current!.dataset.drawn = String(maps.length);
  }, [maps, h, w, scale, cols]);
  return html`<canvas ref=${ref} role="img" aria-label=${label} data-testid=${testid} data-shape=${shape}></canvas>`;
}

function FilterGrid({ f }: { f: Filters }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [n, inC, kh, kw] = f.shape as [number, number, number, number];
  const scale = Math.max(6, Math.floor(48 / Math.max(kh, kw)));
  const cols = Math.min(n, 8);
  useEffect(() => {
    const c = ref.current!;
    const gap = 4;
    c.width = cols * (kw * scale + gap);
    c.height = Math.ceil(n / cols) * (kh * scale + gap);
    const g = c.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    const lim = Math.max(Math.abs(f.min), Math.abs(f.max)) || 1;
    for (let o = 0; o < n; o++) {
      const ox = (o % cols) * (kw * scale + gap);
      const oy = Math.floor(o / cols) * (kh * scale + gap);
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) {
          let rgb: [number, number, number];
          if (inC === 3) {
            // Colour filters: each input channel's weight as that colour, centred on grey.
            rgb = [0, 1, 2].map((ch) => Math.round(128 + (127 * f.weights[((o * inC + ch) * kh + y) * kw + x]!) / lim)) as [number, number, number];
          } else {
            // One input channel (or the mean over them): blue negative, red positive.
            let s = 0;
            for (let ch = 0; ch < inC; ch++) s += f.weights[((o * inC + ch) * kh + y) * kw + x]!;
            rgb = diverging(s / inC / lim);
          }
          g.fillStyle = `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
          g.fillRect(ox + x * scale, oy + y * scale, scale, scale);
        }
    }
    c.dataset.drawn = String(n);
  }, [f]);
  return html`<canvas ref=${ref} role="img" aria-label=${`the ${n} learned ${kh}×${kw} filters of ${f.layer}`} data-testid="filters" data-shape=${f.shape.join('x')}></canvas>`;
}

export const CLASSIC: { name: string; k: number[][] }[] = [
  { name: 'vertical edge', k: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] },
  { name: 'horizontal edge', k: [[-1, -2, -1], [0, 0, 0], [1, 2, 1]] },
  { name: 'blur', k: [[1 / 9, 1 / 9, 1 / 9], [1 / 9, 1 / 9, 1 / 9], [1 / 9, 1 / 9, 1 / 9]] },
  { name: 'sharpen', k: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]] },
];

/** 'same' 3×3 convolution (cross-correlation, as conv layers compute) of a grey image, stretched to 0..255. */
export function applyKernel(grey: Float32Array, h: number, w: number, k: number[][]): Uint8Array {
  const out = new Float32Array(h * w);
  let lo = Infinity;
  let hi = -Infinity;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) s += grey[yy * w + xx]! * k[dy + 1]![dx + 1]!;
        }
      out[y * w + x] = s;
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
    }
  const span = hi - lo || 1;
  return Uint8Array.from(out, (v) => Math.round(((v - lo) / span) * 255));
}

function KernelPicture({ k }: { k: number[][] }) {
  return html`<table class="kernel" aria-label="kernel weights">${k.map((row) => html`<tr>${row.map((v) => html`<td>${Number.isInteger(v) ? v : v.toFixed(2)}</td>`)}</tr>`)}</table>`;
}

export function InsideView({ id }: { id: string }) {
  const [rec, setRec] = useState<any>(null);
  const [filters, setFilters] = useState<Filters | null>(null);
  const [act, setAct] = useState<Activations | null>(null);
  const [samples, setSamples] = useState<any[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api(`/v1/models/${id}`)
      .then((r) => {
        setRec(r);
        if (r.datasetId) api(`/v1/datasets/${r.datasetId}/samples?split=test&limit=12`).then((s) => setSamples(s.items), () => undefined);
        return api(`/v1/models/${id}/filters`);
      })
      .then(setFilters, (e) => setError(e.message));
  }, [id]);
  const run = async (blob: Blob, name: string) => {
    setError(null);
    setBusy(true);
    try {
      const form = new FormData();
      form.set('image', blob, name);
      form.set('maxMaps', '32');
      setAct(await api<Activations>(`/v1/models/${id}/activations`, { method: 'POST', body: form }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const pick = async (s: any) => run(await (await fetch(s.image)).blob(), `sample-${s.index}.png`);
  let classic = null;
  let learned = null;
  let pooling = null;
  if (act) {
    const [h, w, c] = act.input.shape;
    const px = b64bytes(act.input.pixels);
    const grey = new Float32Array(h * w);
    for (let i = 0; i < h * w; i++) {
      let s = 0;
      for (let ch = 0; ch < c; ch++) s += px[i * c + ch]!;
      grey[i] = s / c / 255;
    }
    const scale = Math.max(1, Math.floor(112 / Math.max(h, w)));
    const greyBytes = Uint8Array.from(grey, (v) => Math.round(v * 255));
    classic = html`<div class="kernels" data-testid="classic">
      <figure><${MapGrid} maps=${[greyBytes]} h=${h} w=${w} scale=${scale} cols=${1} label="the input image" /><figcaption>input ${h}×${w}</figcaption></figure>
      ${CLASSIC.map((k) => html`<figure><${MapGrid} maps=${[applyKernel(grey, h, w, k.k)]} h=${h} w=${w} scale=${scale} cols=${1} label=${`the image through the ${k.name} kernel`} /><figcaption>${k.name}<${KernelPicture} k=${k.k} /></figcaption></figure>`)}
    </div>`;
    const first = act.layers.find((l) => l.type === 'conv2d');
    if (first && filters && filters.layer === first.name) {
      const [fh, fw] = first.shape;
      const tiles = b64bytes(first.tiles);
      const [, inC, kh, kw] = filters.shape as [number, number, number, number];
      learned = html`<div class="kernels" data-testid="learned">${Array.from({ length: Math.min(4, first.maps) }, (_, m) => {
        const k = Array.from({ length: kh }, (_, y) => Array.from({ length: kw }, (_, x) => {
          let s = 0;
          for (let ch = 0; ch < inC; ch++) s += filters.weights[((m * inC + ch) * kh + y) * kw + x]!;
          return Math.round((s / inC) * 100) / 100;
        }));
        return html`<figure><${MapGrid} maps=${[tiles.subarray(m * fh * fw, (m + 1) * fh * fw)]} h=${fh} w=${fw} scale=${Math.max(1, Math.floor(112 / Math.max(fh, fw)))} cols=${1} label=${`learned filter ${m} of ${first.name} applied`} /><figcaption>learned #${m}<${KernelPicture} k=${k} /></figcaption></figure>`;
      })}</div>`;
    }
    const poolIdx = act.layers.findIndex((l) => l.type === 'maxPool2d');
    if (poolIdx > 0) {
      const before = act.layers[poolIdx - 1]!;
      const after = act.layers[poolIdx]!;
      const [bh, bw] = before.shape;
      const [ah, aw] = after.shape;
      const s = Math.max(1, Math.floor(140 / Math.max(bh, bw)));
      pooling = html`<div class="kernels" data-testid="pooling">
        <figure><${MapGrid} maps=${[b64bytes(before.tiles).subarray(0, bh * bw)]} h=${bh} w=${bw} scale=${s} cols=${1} label=${`map 0 of ${before.name} before pooling`} /><figcaption>${before.name} map 0: ${bh}×${bw}</figcaption></figure>
        <figure class="arrow" aria-hidden="true">→</figure>
        <figure><${MapGrid} maps=${[b64bytes(after.tiles).subarray(0, ah * aw)]} h=${ah} w=${aw} scale=${s} cols=${1} label=${`map 0 of ${after.name} after max pooling`} /><figcaption>${after.name} map 0: ${ah}×${aw} (each pixel the max of a ${bh / ah}×${bw / aw} window)</figcaption></figure>
      </div>`;
    }
  }
  return html`<section>
    <h1 tabindex="-1">Inside the CNN${rec ? html`: <a href=${'#/models/' + id}>${rec.name ?? id}</a>` : ''}</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <h2>Filters of the first convolution layer</h2>
    ${filters ? html`<p class="muted">${filters.layer}: ${filters.shape[0]} filters of ${filters.shape[2]}×${filters.shape[3]} over ${filters.shape[1]} input channel(s); red positive, blue negative weights.</p><${FilterGrid} f=${filters} />` : html`<p>Loading…</p>`}
    <h2>An image</h2>
    <div class="pick">
      <${DropZone} label="Drop or choose an image" accept="image/png,image/jpeg,image/webp" onFiles=${(f: File[]) => run(f[0]!, f[0]!.name)} testid="inside-input" />
      ${samples.length ? html`<div><p>…or pick one from the dataset's test split:</p><ul class="thumbs">${samples.map((s) => html`<li><button class="thumb" onClick=${() => pick(s)} aria-label=${`use test image ${s.index} (${s.className})`}><img src=${s.image} alt="" width="48" height="48" /></button></li>`)}</ul></div>` : ''}
    </div>
    ${busy ? html`<p role="status">Computing feature maps…</p>` : ''}
    ${act ? html`
      <p>The model says: </p><${TopBars} top=${act.top} testid="inside-top" />
      <h2>Classic kernels beside learned ones</h2>
      <p class="muted">A 3×3 kernel slides over the image; each output pixel is the weighted sum under it. Hand-made kernels first, then the first learned filters of ${act.layers[0]?.name} on the same image.</p>
      ${classic}${learned}
      <h2>Max pooling</h2>${pooling ?? html`<p class="muted">This model has no max-pooling layer.</p>`}
      <h2>Feature maps, layer by layer</h2>
      <p class="muted" data-testid="shape-chain">${act.input.shape.join('×')} → ${act.layers.map((l) => l.shape.join('×')).join(' → ')}</p>
      <div class="fmaps">${act.layers.map((l) => {
        const [h, w, c] = l.shape;
        const t = b64bytes(l.tiles);
        const maps = Array.from({ length: l.maps }, (_, m) => t.subarray(m * h * w, (m + 1) * h * w));
        const scale = Math.max(1, Math.floor(56 / Math.max(h, w)));
        return html`<figure class="fmap" data-layer=${l.name}><figcaption><strong>${l.name}</strong> (${l.type}) ${h}×${w}×${c}${l.maps < c ? ` — first ${l.maps} maps` : ''}</figcaption>
          <${MapGrid} maps=${maps} h=${h} w=${w} scale=${scale} cols=${8} label=${`${l.maps} feature maps of ${l.name}, each ${h}×${w}`} testid=${'fmap-' + l.name} shape=${`${h}x${w}x${c}`} /></figure>`;
      })}</div>` : ''}
    <p class="muted">${act ? `Top-1: ${act.top[0]?.className} (${pct(act.top[0]?.probability)})` : ''}</p>
  </section>`;
}
