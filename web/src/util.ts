export const fmt = (x: number | undefined | null, d = 3): string =>
  x === undefined || x === null || !Number.isFinite(x) ? '—' : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en') : x.toFixed(d);
export const pct = (x: number | undefined | null, d = 1): string => (x === undefined || x === null || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(d)}%`);
export const int = (x: number | undefined | null): string => (x === undefined || x === null ? '—' : Math.round(x).toLocaleString('en'));

export function ago(iso: string | undefined): string {
  if (!iso) return '—';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function duration(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function navigate(hash: string): void {
  location.hash = hash;
}

/** Decodes base64 into bytes. */
export function b64bytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A colour ramp (white → deep blue) for 0..1. */
export function ramp(t: number): [number, number, number] {
  const c = Math.max(0, Math.min(1, t));
  return [Math.round(247 - c * (247 - 8)), Math.round(251 - c * (251 - 48)), Math.round(255 - c * (255 - 107))];
}

/** Diverging ramp for signed weights: blue (neg) → white → red (pos), t in -1..1. */
export function diverging(t: number): [number, number, number] {
  const c = Math.max(-1, Math.min(1, t));
  return c < 0 ? [Math.round(255 + c * 222), Math.round(255 + c * 153), 255] : [255, Math.round(255 - c * 175), Math.round(255 - c * 195)];
}

export const SERIES_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

/** Short label of a job: its name when the request has one, else the id. */
export function jobLabel(j: { id: string; request?: any }): string {
  return j.request?.name ?? j.id;
}
