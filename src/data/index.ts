/**
 * Dataset ingest and decoded caches: what the service and the worker import
 * from src/data.
 */
export { ingestDataset, type ArchiveInput, type IngestInput, type IngestOptions } from './ingest.js';
export type { IdxInput, IdxPair } from './ingest-idx.js';
export {
  DEFAULT_INGEST_LIMITS,
  DEFAULT_MAX_ARCHIVE_ENTRIES,
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_IMAGE_PIXELS,
  DEFAULT_MAX_INFLATED_BYTES,
  IngestLimitsSchema,
  resolveIngestLimits,
  type IngestLimits,
  type IngestLimitsInput,
} from './limits.js';
export {
  CACHE_DIR,
  DatasetItemSchema,
  DatasetManifestSchema,
  FILES_DIR,
  ITEMS_FILE,
  MANIFEST_FILE,
  MAX_SKIPPED_LISTED,
  ORIGINALS_FILE,
  PIXELS_FILE,
  PIXELS_META_FILE,
  PixelsMetaSchema,
  RAW_IMAGES_FILE,
  RAW_LABELS_FILE,
  readItems,
  readManifest,
  readPixelsMeta,
  type DatasetItem,
  type DatasetManifest,
  type ImageStats,
  type PixelsMeta,
  type SkippedFile,
} from './manifest.js';
export { OriginalsReader } from './originals.js';
export {
  DEFAULT_PREFLIGHT_MIN_PER_CLASS,
  PREFLIGHT_FINDINGS,
  PREFLIGHT_IMBALANCE_RATIO,
  PREFLIGHT_NEAR_DUPLICATE_MAX_BITS,
  PreflightFindingSchema,
  PreflightReportSchema,
  buildPreflightReport,
  resizedFor,
  type PreflightCode,
  type PreflightFinding,
  type PreflightReport,
} from './preflight.js';
export { contentHash, dhash, hammingDistance } from './fingerprint.js';
export {
  PACKED_CACHE_VERSION,
  PackedCacheMetaSchema,
  PackedCacheOptionsSchema,
  ensurePackedCache,
  loadPackedCache,
  packedCacheKey,
  packedCachePaths,
  type PackedCache,
  type PackedCacheMeta,
  type PackedCacheOptions,
} from './packed-cache.js';
export {
  RESIZE_POLICIES,
  decodeForPredict,
  preprocessImage,
  probeImage,
  rowBytes,
  type DecodedImage,
  type PredictDecodeOptions,
  type PreprocessTarget,
  type ProbeResult,
  type RawPixelsInfo,
  type ResizePolicy,
} from './image.js';
export {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  encodeIdx,
  parseIdxHeader,
  readIdx,
  readIdxHeader,
  type IdxHeader,
} from './idx.js';
export { sniffArchive, sniffImage, type ArchiveKind, type ImageKind } from './sniff.js';
export { SPLITS, type Split } from './layout.js';
export { removeStaleTemps } from '../files/atomic.js';
