import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';

/** Drop files here or pick them with the (keyboard-reachable) file input. */
export function DropZone({ label, accept, multiple, onFiles, testid }: { label: string; accept?: string; multiple?: boolean; onFiles: (f: File[]) => void; testid?: string }) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  return html`<div class=${'dropzone' + (over ? ' over' : '')}
      onDragOver=${(e: DragEvent) => { e.preventDefault(); setOver(true); }}
      onDragLeave=${() => setOver(false)}
      onDrop=${(e: DragEvent) => { e.preventDefault(); setOver(false); const f = [...(e.dataTransfer?.files ?? [])]; if (f.length) onFiles(multiple ? f : f.slice(0, 1)); }}>
    <label>${label}<br /><small>drop ${multiple ? 'files' : 'a file'} here, or</small>
      <input ref=${input} type="file" accept=${accept} multiple=${multiple} data-testid=${testid}
        onChange=${(e: any) => { const f = [...(e.target.files ?? [])] as File[]; if (f.length) onFiles(f); e.target.value = ''; }} />
    </label>
  </div>`;
}
