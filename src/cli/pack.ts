/**
 * Uploads for the CLI: a folder of class folders is zipped (yazl) while it is
 * sent, with no temporary copy; an archive file is sent as it is. Either way
 * the request body is a multipart/form-data stream built here, so its bytes
 * can be counted for a progress bar as the connection takes them.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import yazl from 'yazl';

/** What an upload will send: the file entries of a folder, or one archive file. */
export type UploadSource =
  | { kind: 'folder'; root: string; files: { path: string; name: string; size: number }[]; totalBytes: number }
  | { kind: 'archive'; path: string; totalBytes: number };

/** Names the service ignores anyway; leaving them out keeps the upload small. */
const IGNORED = (name: string) => name.startsWith('.') || name === '__MACOSX' || name === 'Thumbs.db' || name === 'desktop.ini';

/** Every regular file under `root` (symbolic links are not followed), sorted by archive name. */
export async function folderSource(root: string): Promise<UploadSource & { kind: 'folder' }> {
  const files: { path: string; name: string; size: number }[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (IGNORED(e.name)) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) files.push({ path, name: relative(root, path).split(sep).join('/'), size: (await stat(path)).size });
    }
  };
  await walk(root);
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { kind: 'folder', root, files, totalBytes: files.reduce((s, f) => s + f.size, 0) };
}

export async function archiveSource(path: string): Promise<UploadSource & { kind: 'archive' }> {
  return { kind: 'archive', path, totalBytes: (await stat(path)).size };
}

/**
 * The zip of a folder as a stream. Images are stored, not deflated (PNG, JPEG
 * and WebP are compressed already); yazl opens each file only when its turn
 * comes, so at most one is open and nothing is buffered beyond the stream's
 * high-water mark.
 */
export function zipStream(source: UploadSource & { kind: 'folder' }): Readable {
  const zip = new yazl.ZipFile();
  for (const f of source.files) zip.addFile(f.path, f.name, { compress: !/\.(png|jpe?g|webp)$/i.test(f.name) });
  zip.end();
  return zip.outputStream as Readable;
}

export interface MultipartBody {
  contentType: string;
  body: ReadableStream<Uint8Array>;
}

/**
 * A multipart/form-data body of text fields then one file field, streamed from
 * `file`; `onBytes` is called with the file bytes taken so far each time the
 * consumer pulls a chunk.
 */
export function multipartBody(fields: Record<string, string>, fileField: string, fileName: string, file: Readable, onBytes: (n: number) => void = () => undefined): MultipartBody {
  const boundary = `----cnn-${randomBytes(12).toString('hex')}`;
  const head =
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') +
    `--${boundary}\r\ncontent-disposition: form-data; name="${fileField}"; filename="${fileName.replace(/["\r\n]/g, '_')}"\r\ncontent-type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const it = file[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let sent = 0;
  let stage: 'head' | 'file' | 'done' = 'head';
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === 'head') {
        stage = 'file';
        controller.enqueue(Buffer.from(head));
        return;
      }
      if (stage === 'done') return;
      const next = await it.next();
      if (next.done) {
        stage = 'done';
        controller.enqueue(Buffer.from(tail));
        controller.close();
        return;
      }
      sent += next.value.length;
      onBytes(sent);
      controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.length));
    },
    async cancel() {
      await it.return?.();
      file.destroy();
    },
  });
  return { contentType: `multipart/form-data; boundary=${boundary}`, body };
}

/** The stream to send for a source and the file name the part carries. */
export function sourceStream(source: UploadSource): { stream: Readable; fileName: string } {
  if (source.kind === 'archive') return { stream: createReadStream(source.path, { highWaterMark: 1 << 20 }), fileName: basename(source.path) };
  return { stream: zipStream(source), fileName: `${basename(source.root) || 'dataset'}.zip` };
}

/** A dataset name the service accepts (letters, digits, spaces, dots, dashes, underscores; at most 100), from a file or folder name. */
export function datasetNameFrom(path: string): string {
  const base = basename(path.replace(/[\\/]+$/, '')).replace(/\.(zip|tar|tgz|tar\.gz)$/i, '');
  const name = base.replace(/[^\p{L}\p{N} ._-]/gu, '_').slice(0, 100).trim();
  return name === '' ? 'dataset' : name;
}
