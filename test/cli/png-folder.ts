/** A folder of Fashion-MNIST PNG class folders under train/ and test/, written for CLI tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fashionPngFiles, type PngArchive } from '../helpers/fixtures.js';

export const CLI_CLASSES = ['Bag', 'Sneaker', 'Trouser'] as const;

export async function writePngFolder(dir: string, opts: { perClass: number; testPerClass: number; classes?: readonly string[] }): Promise<PngArchive> {
  const archive = await fashionPngFiles({ perClass: opts.perClass, testPerClass: opts.testPerClass, classes: opts.classes ?? CLI_CLASSES });
  for (const e of archive.entries) {
    const path = join(dir, e.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, e.png);
  }
  return archive;
}
