/**
 * Limits that bound what one upload may cost: entries, inflated bytes, pixels
 * and bytes per image. Every limit has a default and a zod schema, so a config
 * file or a request can override any of them and nothing else.
 */
import { z } from 'zod';

export const DEFAULT_MAX_ARCHIVE_ENTRIES = 200_000;
export const DEFAULT_MAX_INFLATED_BYTES = 2 * 1024 ** 3;
/** Far below sharp's own `limitInputPixels` default (268 MP), which is too generous for uploads. */
export const DEFAULT_MAX_IMAGE_PIXELS = 25_000_000;
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 ** 2;

export const IngestLimitsSchema = z.object({
  /** Entries of any kind (files, folders, links) an archive may hold. */
  maxArchiveEntries: z.int().positive().default(DEFAULT_MAX_ARCHIVE_ENTRIES),
  /** Bytes the whole upload may inflate to: archive members, or IDX payloads. */
  maxInflatedBytes: z.int().positive().default(DEFAULT_MAX_INFLATED_BYTES),
  /** Width × height one image may have; more fails the whole upload (IMAGE_PIXEL_LIMIT). */
  maxImagePixels: z.int().positive().default(DEFAULT_MAX_IMAGE_PIXELS),
  /** Bytes one encoded image may have; more fails the whole upload (IMAGE_TOO_LARGE). */
  maxImageBytes: z.int().positive().default(DEFAULT_MAX_IMAGE_BYTES),
});

export type IngestLimits = z.output<typeof IngestLimitsSchema>;
/** What callers may pass: any subset, the rest comes from the defaults. */
export type IngestLimitsInput = z.input<typeof IngestLimitsSchema>;

export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze(IngestLimitsSchema.parse({}));

/** Fills defaults and validates; throws a zod error on nonsense (negative, fractional). */
export function resolveIngestLimits(input: IngestLimitsInput = {}): IngestLimits {
  return IngestLimitsSchema.parse(input);
}
