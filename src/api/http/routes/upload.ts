import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CnnError } from '../../../errors.js';
import type { ServiceContext } from '../../../service/context.js';

/**
 * Streams one multipart file to the uploads dir and returns its path (also
 * pushed on `saved`, for the caller to remove). Bytes are counted across all
 * parts of the request in `budget`, so many parts cannot add up past the
 * upload limit; nothing is held whole in memory.
 */
export async function saveFilePart(
  ctx: ServiceContext,
  file: Readable & { truncated?: boolean },
  suffix: string,
  saved: string[],
  budget: { used: number },
): Promise<string> {
  const limit = ctx.config.limits.maxUploadBytes;
  const tooLarge = () => new CnnError('UPLOAD_TOO_LARGE', `upload exceeds the limit of ${limit} bytes (CNN_MAX_UPLOAD_BYTES)`);
  const path = await ctx.blobs.newUploadPath(suffix);
  saved.push(path);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      budget.used += chunk.length;
      if (budget.used > limit) cb(tooLarge());
      else cb(null, chunk);
    },
  });
  await pipeline(file, counter, createWriteStream(path));
  if (file.truncated) throw tooLarge();
  return path;
}
