// cnn_decode: image decoding for ingest on the libuv thread pool, with
// Debian's libjpeg-turbo and zlib, apart from the training addon so that it
// builds in seconds and needs nothing of libtorch.
//
// decodeBatch(images, kinds, maxPixels) → Promise<{ pixels, meta, cells }>
// decodes many images in one pool task, so that small images cost the event
// loop one call per batch instead of one per image. kinds[i] is 1 for a PNG,
// 2 for a JPEG.
// - PNGs decode only when plain: 8-bit grey or RGB, not interlaced, no chunk
//   that changes what the pixels mean (the rule of png-decode.ts). PNG is
//   lossless, so the pixels are exactly libvips'.
// - JPEGs decode when 8-bit grey or colour, at full size with libjpeg's
//   defaults (the accurate integer IDCT and fancy upsampling, as libvips reads
//   them). Any libjpeg warning (a truncated or corrupt stream) fails one.
// - An image over maxPixels fails, checked from its header before any pixel is
//   decoded; a PNG's inflated data is bounded by what its header allows.
// Every decoded image's pixels go one after another into `pixels` (grey or
// RGB bytes); `meta` holds 5 int32 per image (decoded 1/0, width, height,
// channels, byte offset into pixels) and `cells` the 72 means of the 9×8 dHash
// grid per image (row-major; fingerprint.ts turns them into the dHash and the
// thumbnail, and documents the grid). An image not decoded here has decoded 0,
// and the caller asks sharp, which says what is wrong with it.
#include <napi.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <zlib.h>

namespace {

constexpr int kCols = 9;
constexpr int kRows = 8;

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void onError(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (level -1: corrupt data, premature end) fail the decode; trace messages are ignored.
void onMessage(j_common_ptr cinfo, int level) {
  if (level < 0) onError(cinfo);
}

double grey(const uint8_t* p, bool colour) {
  return colour ? static_cast<double>((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000) : p[0];
}

// As fingerprint.ts: cells partition the image when it is at least 9×8, else each cell spans at least one pixel.
void cellMeans(const uint8_t* px, int w, int h, int c, double* cells) {
  const bool colour = c >= 3;
  const bool partition = w >= kCols && h >= kRows;
  for (int r = 0; r < kRows; r++) {
    int y0 = static_cast<int>(std::floor(static_cast<double>(r) * h / kRows));
    int y1 = static_cast<int>(std::floor(static_cast<double>(r + 1) * h / kRows));
    if (!partition) y1 = std::max(y0 + 1, y1);
    for (int k = 0; k < kCols; k++) {
      int x0 = static_cast<int>(std::floor(static_cast<double>(k) * w / kCols));
      int x1 = static_cast<int>(std::floor(static_cast<double>(k + 1) * w / kCols));
      if (!partition) x1 = std::max(x0 + 1, x1);
      double sum = 0;
      for (int y = y0; y < y1; y++) {
        const uint8_t* row = px + (static_cast<size_t>(y) * w) * c;
        for (int x = x0; x < x1; x++) sum += grey(row + static_cast<size_t>(x) * c, colour);
      }
      cells[r * kCols + k] = sum / (static_cast<double>(x1 - x0) * (y1 - y0));
    }
  }
}

// Decodes an 8-bit grey or colour JPEG, appending its pixels to `out`; on failure `out` is as it was.
bool decodeJpegInto(const uint8_t* data, size_t size, double maxPixels, std::vector<uint8_t>& out, int& width, int& height, int& channels) {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  const size_t start = out.size();
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = onError;
  err.pub.emit_message = onMessage;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    out.resize(start);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.data_precision != 8 || (cinfo.num_components != 1 && cinfo.num_components != 3)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  if (static_cast<double>(cinfo.image_width) * cinfo.image_height > maxPixels) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  width = static_cast<int>(cinfo.output_width);
  height = static_cast<int>(cinfo.output_height);
  channels = cinfo.output_components;
  const size_t stride = static_cast<size_t>(width) * channels;
  out.resize(start + stride * height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.data() + start + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

uint32_t be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

int paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Undoes the row filters of `raw` (each row: a filter byte, then `stride` bytes) into `out`.
bool unfilter(const uint8_t* raw, uint8_t* out, int height, size_t stride, int bpp) {
  for (int y = 0; y < height; y++) {
    const uint8_t f = raw[y * (stride + 1)];
    const uint8_t* src = raw + y * (stride + 1) + 1;
    uint8_t* dst = out + y * stride;
    const uint8_t* up = y > 0 ? dst - stride : nullptr;
    switch (f) {
      case 0:
        std::memcpy(dst, src, stride);
        break;
      case 1:
        for (size_t i = 0; i < stride; i++) dst[i] = static_cast<uint8_t>(src[i] + (i >= static_cast<size_t>(bpp) ? dst[i - bpp] : 0));
        break;
      case 2:
        for (size_t i = 0; i < stride; i++) dst[i] = static_cast<uint8_t>(src[i] + (up ? up[i] : 0));
        break;
      case 3:
        for (size_t i = 0; i < stride; i++) {
          const int a = i >= static_cast<size_t>(bpp) ? dst[i - bpp] : 0;
          const int b = up ? up[i] : 0;
          dst[i] = static_cast<uint8_t>(src[i] + ((a + b) >> 1));
        }
        break;
      case 4:
        for (size_t i = 0; i < stride; i++) {
          const int a = i >= static_cast<size_t>(bpp) ? dst[i - bpp] : 0;
          const int b = up ? up[i] : 0;
          const int c = up && i >= static_cast<size_t>(bpp) ? up[i - bpp] : 0;
          dst[i] = static_cast<uint8_t>(src[i] + paeth(a, b, c));
        }
        break;
      default:
        return false;
    }
  }
  return true;
}

// Chunks that change what the pixels mean: those PNGs are left to sharp.
bool meaningfulChunk(const uint8_t* type) {
  static const char* kTypes[] = {"iCCP", "gAMA", "cHRM", "sRGB", "sBIT", "tRNS", "PLTE", "eXIf"};
  for (const char* t : kTypes) {
    if (std::memcmp(type, t, 4) == 0) return true;
  }
  return false;
}

// Decodes a plain 8-bit grey or RGB PNG (see the header), appending its pixels to `out`.
// Returns false, with `out` as it was, for anything else: a CRC or zlib error, a missing
// IEND, more or less data than the header says, or more than maxPixels pixels.
bool decodePlainPngInto(const uint8_t* data, size_t size, double maxPixels, std::vector<uint8_t>& out, int& width, int& height, int& channels) {
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  if (size < 8 || std::memcmp(data, kSignature, 8) != 0) return false;
  size_t at = 8;
  width = height = channels = 0;
  std::vector<std::pair<const uint8_t*, size_t>> idat;
  bool ended = false;
  while (at + 12 <= size) {
    const size_t len = be32(data + at);
    if (len > size || at + 12 + len > size) return false;
    const uint8_t* type = data + at + 4;
    const uint8_t* body = data + at + 8;
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), type, static_cast<uInt>(len + 4));
    if (crc != be32(data + at + 8 + len)) return false;
    at += 12 + len;
    if (std::memcmp(type, "IHDR", 4) == 0) {
      if (len != 13) return false;
      width = static_cast<int>(std::min<uint32_t>(be32(body), 1u << 30));
      height = static_cast<int>(std::min<uint32_t>(be32(body + 4), 1u << 30));
      const uint8_t depth = body[8], colour = body[9], compression = body[10], filter = body[11], interlace = body[12];
      channels = colour == 0 ? 1 : colour == 2 ? 3 : 0;
      if (depth != 8 || channels == 0 || compression != 0 || filter != 0 || interlace != 0) return false;
      if (width == 0 || height == 0 || static_cast<double>(width) * height > maxPixels) return false;
    } else if (std::memcmp(type, "IDAT", 4) == 0) {
      idat.emplace_back(body, len);
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      ended = true;
      break;
    } else if (meaningfulChunk(type)) {
      return false;
    }
  }
  if (!ended || channels == 0 || idat.empty()) return false;
  const size_t stride = static_cast<size_t>(width) * channels;
  const size_t expected = static_cast<size_t>(height) * (stride + 1);
  // One byte of room past what the header allows, so that more data is seen (and declined).
  std::vector<uint8_t> raw(expected + 1);
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit(&zs) != Z_OK) return false;
  zs.next_out = raw.data();
  zs.avail_out = static_cast<uInt>(raw.size());
  int ret = Z_OK;
  for (size_t i = 0; i < idat.size() && ret == Z_OK; i++) {
    zs.next_in = const_cast<Bytef*>(idat[i].first);
    zs.avail_in = static_cast<uInt>(idat[i].second);
    while (zs.avail_in > 0 && ret == Z_OK && zs.avail_out > 0) ret = inflate(&zs, Z_NO_FLUSH);
    if (ret == Z_OK && zs.avail_out == 0) break;
  }
  const size_t produced = zs.total_out;
  inflateEnd(&zs);
  if (ret != Z_STREAM_END || produced != expected) return false;
  const size_t start = out.size();
  out.resize(start + stride * height);
  if (!unfilter(raw.data(), out.data() + start, height, stride, channels)) {
    out.resize(start);
    return false;
  }
  return true;
}

constexpr int kMetaInts = 5;
constexpr int kKindPng = 1;
constexpr int kKindJpeg = 2;

class DecodeBatchWorker : public Napi::AsyncWorker {
 public:
  DecodeBatchWorker(Napi::Env env, Napi::Array images, std::vector<int> kinds, double maxPixels)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), kinds_(std::move(kinds)), maxPixels_(maxPixels) {
    imagesRef_ = Napi::Persistent(images.As<Napi::Object>());
    for (uint32_t i = 0; i < images.Length(); i++) {
      Napi::Buffer<uint8_t> b = images.Get(i).As<Napi::Buffer<uint8_t>>();
      inputs_.emplace_back(b.Data(), b.Length());
    }
    meta_.assign(inputs_.size() * kMetaInts, 0);
    cells_.assign(inputs_.size() * kCols * kRows, 0.0);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    size_t total = 0;
    for (size_t i = 0; i < inputs_.size(); i++) {
      int w = 0, h = 0, c = 0;
      const size_t offset = pixels_->size();
      bool ok = false;
      if (kinds_[i] == kKindPng) ok = decodePlainPngInto(inputs_[i].first, inputs_[i].second, maxPixels_, *pixels_, w, h, c);
      else if (kinds_[i] == kKindJpeg) ok = decodeJpegInto(inputs_[i].first, inputs_[i].second, maxPixels_, *pixels_, w, h, c);
      int32_t* m = meta_.data() + i * kMetaInts;
      if (!ok) continue;
      m[0] = 1;
      m[1] = w;
      m[2] = h;
      m[3] = c;
      m[4] = static_cast<int32_t>(offset);
      cellMeans(pixels_->data() + offset, w, h, c, cells_.data() + i * kCols * kRows);
      total = pixels_->size();
      if (total > static_cast<size_t>(INT32_MAX)) {
        SetError("decodeBatch: more than 2 GiB of pixels in one batch");
        return;
      }
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object out = Napi::Object::New(env);
    // The pixels are handed over without a copy; the buffer's finalizer frees them.
    if (pixels_->empty()) pixels_->push_back(0);  // a Buffer needs memory to point at; no meta entry reaches this byte
    auto* owned = pixels_.release();
    out.Set("pixels", Napi::Buffer<uint8_t>::New(env, owned->data(), owned->size(), [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, owned));
    Napi::Int32Array meta = Napi::Int32Array::New(env, meta_.size());
    std::memcpy(meta.Data(), meta_.data(), meta_.size() * sizeof(int32_t));
    out.Set("meta", meta);
    Napi::Float64Array cells = Napi::Float64Array::New(env, cells_.size());
    std::memcpy(cells.Data(), cells_.data(), cells_.size() * sizeof(double));
    out.Set("cells", cells);
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference imagesRef_;
  std::vector<std::pair<const uint8_t*, size_t>> inputs_;
  std::vector<int> kinds_;
  double maxPixels_;
  std::unique_ptr<std::vector<uint8_t>> pixels_ = std::make_unique<std::vector<uint8_t>>();
  std::vector<int32_t> meta_;
  std::vector<double> cells_;
};

// ------------------------------------------------------------------ resize
//
// resizeBatch(images, dims, target, out) → Promise<out>: the second stage
// of preprocessing (image.ts), for decoded 8-bit grey or RGB images.
// - Channels first, at the source size: grey → RGB replicates the grey;
//   RGB → grey is luminance in linear light (Rec. 709 weights on
//   sRGB-decoded values, encoded back to sRGB), so pure red becomes 127.
// - Then a separable Lanczos-3 resample, antialiased when shrinking (the
//   kernel widens by the shrink factor), sampling at pixel centres, edges
//   clamped; each output value rounded to the nearest level. An axis that
//   keeps its size is copied, not resampled.
// - fit 0 stretch: each axis to the target; 1 pad: the whole image inside
//   the target at one scale, centred on black; 2 crop: the target filled at
//   one scale, the centre kept. The scaled size is rounded to the nearest
//   pixel (at least 1); offsets are floor((larger - smaller) / 2).
// dims holds width, height, channels per image; the images' rows go one after
// another into `out` (a Buffer of at least n rows), target.height ×
// target.width × target.channels bytes each, so a caller can reuse one.

// The weights of a resample from `in` to `out` pixels along one axis, for outputs [from, from + count).
struct AxisKernel {
  std::vector<int> first;
  std::vector<int> taps;
  std::vector<float> weights;
  int stride = 0;
};

double lanczos3(double x) {
  x = std::fabs(x);
  if (x < 1e-12) return 1.0;
  if (x >= 3.0) return 0.0;
  constexpr double kPi = 3.14159265358979323846;
  const double px = kPi * x;
  return 3.0 * std::sin(px) * std::sin(px / 3.0) / (px * px);
}

// Every output reads the same number of taps (`stride`, or all of `in` if fewer), with zero
// weights where the kernel is shorter, so loops over outputs can run in step.
AxisKernel axisKernel(int in, int out, int from, int count) {
  AxisKernel k;
  const double scale = static_cast<double>(in) / out;
  const double widen = std::max(1.0, scale);
  const double support = 3.0 * widen;
  k.stride = std::min(in, static_cast<int>(std::ceil(support)) * 2 + 2);
  k.first.resize(count);
  k.taps.assign(count, k.stride);
  k.weights.assign(static_cast<size_t>(count) * k.stride, 0.f);
  std::vector<double> w(k.stride);
  for (int o = 0; o < count; o++) {
    const double centre = (from + o + 0.5) * scale;
    int lo = std::max(0, static_cast<int>(std::floor(centre - support + 0.5)));
    int hi = std::min(in, static_cast<int>(std::floor(centre + support + 0.5)));
    if (hi - lo > k.stride) hi = lo + k.stride;
    if (hi <= lo) {
      lo = std::min(std::max(0, static_cast<int>(centre)), in - 1);
      hi = lo + 1;
    }
    double sum = 0;
    for (int i = lo; i < hi; i++) sum += (w[i - lo] = lanczos3((i + 0.5 - centre) / widen));
    if (std::fabs(sum) < 1e-12) {
      w[0] = sum = 1.0;
      hi = lo + 1;
    }
    const int first = std::min(lo, in - k.stride);
    k.first[o] = first;
    for (int i = lo; i < hi; i++) k.weights[static_cast<size_t>(o) * k.stride + (i - first)] = static_cast<float>(w[i - lo] / sum);
  }
  return k;
}

uint8_t toByte(float v) {
  // Round half up; truncation equals floor here because anything below -0.5 clamps to 0 anyway.
  const int r = static_cast<int>(v + 0.5f);
  return static_cast<uint8_t>(r < 0 ? 0 : r > 255 ? 255 : r);
}

// Buffers reused from image to image within a batch.
struct Scratch {
  std::vector<float> rows, cols, out;
  std::vector<uint8_t> grey;
  std::vector<uint8_t> resized;
  // The last kernels built per axis: the images of a batch mostly share their sizes.
  std::vector<std::pair<std::array<int, 4>, AxisKernel>> kernels;

  const AxisKernel& kernel(int in, int out, int from, int count) {
    const std::array<int, 4> key{in, out, from, count};
    for (auto& k : kernels) {
      if (k.first == key) return k.second;
    }
    if (kernels.size() >= 4) kernels.erase(kernels.begin());
    kernels.emplace_back(key, axisKernel(in, out, from, count));
    return kernels.back().second;
  }
};

// out row o (of `count`, each `len` values) = the kernel's weighted sum of source rows first[o]…:
// one multiply-add per tap along whole rows, which the compiler vectorizes. Inlined into resample,
// so that it is built for each of resample's targets.
template <typename T>
__attribute__((always_inline)) inline void weightedRows(const AxisKernel& k, const T* src, size_t len, int count, float* out) {
  for (int o = 0; o < count; o++) {
    float* t = out + static_cast<size_t>(o) * len;
    const float* w = k.weights.data() + static_cast<size_t>(o) * k.stride;
    const T* s0 = src + static_cast<size_t>(k.first[o]) * len;
    const float w0 = w[0];
    for (size_t i = 0; i < len; i++) t[i] = w0 * s0[i];
    for (int j = 1; j < k.taps[o]; j++) {
      const float wj = w[j];
      const T* sj = s0 + static_cast<size_t>(j) * len;
      for (size_t i = 0; i < len; i++) t[i] += wj * sj[i];
    }
  }
}

// Resamples w×h×c `src` to the window [x0, x0+cw) × [y0, y0+ch) of its resize to rw×rh, written to `dst` (cw×ch×c).
// Built for AVX2 as well where the compiler can (chosen at load time); the clones give the same bytes,
// since every output sums its taps in the same order and nothing is contracted into FMAs (-std=c++17).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void resample(const uint8_t* src, int w, int h, int c, int rw, int rh, int x0, int y0, int cw, int ch, uint8_t* dst, Scratch& scratch) {
  const size_t srcRow = static_cast<size_t>(w) * c;
  const size_t dstRow = static_cast<size_t>(cw) * c;
  if (rw == w && rh == h) {
    for (int y = 0; y < ch; y++) std::memcpy(dst + y * dstRow, src + static_cast<size_t>(y0 + y) * srcRow + static_cast<size_t>(x0) * c, dstRow);
    return;
  }
  // Vertical first, into floats: its inner loop runs along whole rows.
  scratch.rows.resize(static_cast<size_t>(ch) * srcRow);
  float* tmp = scratch.rows.data();
  if (rh == h) {
    for (int y = 0; y < ch; y++) {
      const uint8_t* s = src + static_cast<size_t>(y0 + y) * srcRow;
      float* t = tmp + static_cast<size_t>(y) * srcRow;
      for (size_t i = 0; i < srcRow; i++) t[i] = s[i];
    }
  } else {
    weightedRows(scratch.kernel(h, rh, y0, ch), src, srcRow, ch, tmp);
  }
  if (rw == w) {
    for (int y = 0; y < ch; y++) {
      const float* t = tmp + static_cast<size_t>(y) * srcRow + static_cast<size_t>(x0) * c;
      uint8_t* d = dst + static_cast<size_t>(y) * dstRow;
      for (size_t i = 0; i < dstRow; i++) d[i] = toByte(t[i]);
    }
    return;
  }
  // Horizontal as a second vertical pass over the transpose (columns as rows), so that it too
  // runs along contiguous memory; then transposed back into bytes.
  const AxisKernel& kx = scratch.kernel(w, rw, x0, cw);
  const size_t col = static_cast<size_t>(ch) * c;  // one source column of the vertical result
  scratch.cols.resize(static_cast<size_t>(w) * col);
  scratch.out.resize(static_cast<size_t>(cw) * col);
  float* cols = scratch.cols.data();
  for (int y = 0; y < ch; y++) {
    const float* t = tmp + static_cast<size_t>(y) * srcRow;
    for (int x = 0; x < w; x++) {
      for (int k2 = 0; k2 < c; k2++) cols[x * col + static_cast<size_t>(y) * c + k2] = t[static_cast<size_t>(x) * c + k2];
    }
  }
  float* out = scratch.out.data();
  weightedRows(kx, cols, col, cw, out);
  for (int y = 0; y < ch; y++) {
    uint8_t* d = dst + static_cast<size_t>(y) * dstRow;
    for (int x = 0; x < cw; x++) {
      for (int k2 = 0; k2 < c; k2++) d[static_cast<size_t>(x) * c + k2] = toByte(out[x * col + static_cast<size_t>(y) * c + k2]);
    }
  }
}

// sRGB level → linear light, and linear light (in 1/65535 steps) → the nearest sRGB level.
struct SrgbTables {
  float linear[256];
  uint8_t encode[65536];
  SrgbTables() {
    for (int v = 0; v < 256; v++) {
      const double x = v / 255.0;
      linear[v] = static_cast<float>(x <= 0.04045 ? x / 12.92 : std::pow((x + 0.055) / 1.055, 2.4));
    }
    for (int i = 0; i < 65536; i++) {
      const double y = i / 65535.0;
      const double e = y <= 0.0031308 ? 12.92 * y : 1.055 * std::pow(y, 1 / 2.4) - 0.055;
      encode[i] = static_cast<uint8_t>(std::min(255.0, std::floor(e * 255.0 + 0.5)));
    }
  }
};

const SrgbTables& srgb() {
  static const SrgbTables tables;
  return tables;
}

void greyFromRgb(const uint8_t* rgb, size_t pixels, uint8_t* grey) {
  const SrgbTables& t = srgb();
  for (size_t i = 0; i < pixels; i++) {
    const float y = 0.2126f * t.linear[rgb[3 * i]] + 0.7152f * t.linear[rgb[3 * i + 1]] + 0.0722f * t.linear[rgb[3 * i + 2]];
    grey[i] = t.encode[static_cast<int>(std::min(1.f, y) * 65535.f + 0.5f)];
  }
}

struct Target {
  int width, height, channels, fit;
};

// One image through the second stage of preprocessing into `out` (target.height × target.width × target.channels).
void preprocessOne(const uint8_t* src, int w, int h, int c, const Target& t, uint8_t* out, Scratch& scratch) {
  if (c == 3 && t.channels == 1) {
    scratch.grey.resize(static_cast<size_t>(w) * h);
    greyFromRgb(src, scratch.grey.size(), scratch.grey.data());
    src = scratch.grey.data();
    c = 1;
  }
  int rw = t.width, rh = t.height;
  if (t.fit != 0) {
    const double sx = static_cast<double>(t.width) / w, sy = static_cast<double>(t.height) / h;
    const double s = t.fit == 1 ? std::min(sx, sy) : std::max(sx, sy);
    rw = std::max(1, static_cast<int>(std::floor(w * s + 0.5)));
    rh = std::max(1, static_cast<int>(std::floor(h * s + 0.5)));
    if (t.fit == 1) {
      rw = std::min(rw, t.width);
      rh = std::min(rh, t.height);
    } else {
      rw = std::max(rw, t.width);
      rh = std::max(rh, t.height);
    }
  }
  // The resized image, or the window of it that the target keeps (crop).
  const int cw = std::min(rw, t.width), ch = std::min(rh, t.height);
  const int x0 = (rw - cw) / 2, y0 = (rh - ch) / 2;
  const size_t outRow = static_cast<size_t>(t.width) * t.channels;
  if (cw == t.width && ch == t.height && c == t.channels) {
    resample(src, w, h, c, rw, rh, x0, y0, cw, ch, out, scratch);
    return;
  }
  scratch.resized.resize(static_cast<size_t>(cw) * ch * c);
  resample(src, w, h, c, rw, rh, x0, y0, cw, ch, scratch.resized.data(), scratch);
  // Placed centred on black (pad), channels replicated where grey becomes RGB.
  std::memset(out, 0, outRow * t.height);
  const int ox = (t.width - cw) / 2, oy = (t.height - ch) / 2;
  for (int y = 0; y < ch; y++) {
    const uint8_t* r = scratch.resized.data() + static_cast<size_t>(y) * cw * c;
    uint8_t* d = out + static_cast<size_t>(oy + y) * outRow + static_cast<size_t>(ox) * t.channels;
    if (c == t.channels) {
      std::memcpy(d, r, static_cast<size_t>(cw) * c);
    } else {
      for (int x = 0; x < cw; x++) d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = r[x];
    }
  }
}

class ResizeBatchWorker : public Napi::AsyncWorker {
 public:
  ResizeBatchWorker(Napi::Env env, Napi::Array images, std::vector<int> dims, Target target, Napi::Buffer<uint8_t> out)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), dims_(std::move(dims)), target_(target) {
    imagesRef_ = Napi::Persistent(images.As<Napi::Object>());
    outRef_ = Napi::Persistent(out);
    out_ = out.Data();
    for (uint32_t i = 0; i < images.Length(); i++) inputs_.push_back(images.Get(i).As<Napi::Buffer<uint8_t>>().Data());
    rowBytes_ = static_cast<size_t>(target.width) * target.height * target.channels;
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    Scratch scratch;
    for (size_t i = 0; i < inputs_.size(); i++) {
      preprocessOne(inputs_[i], dims_[3 * i], dims_[3 * i + 1], dims_[3 * i + 2], target_, out_ + i * rowBytes_, scratch);
    }
  }

  void OnOK() override { deferred_.Resolve(outRef_.Value()); }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference imagesRef_;
  Napi::Reference<Napi::Buffer<uint8_t>> outRef_;
  std::vector<const uint8_t*> inputs_;
  std::vector<int> dims_;
  Target target_;
  size_t rowBytes_ = 0;
  uint8_t* out_ = nullptr;
};

int intField(const Napi::Object& o, const char* name, int lo, int hi) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("resizeBatch: target.") + name + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != std::floor(d)) {
    throw Napi::RangeError::New(o.Env(), std::string("resizeBatch: target.") + name + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return static_cast<int>(d);
}

Napi::Value ResizeBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsArray() || !info[1].IsTypedArray() || !info[2].IsObject() || !info[3].IsBuffer()) {
    throw Napi::TypeError::New(env, "resizeBatch(images: Buffer[], dims: Int32Array, target: { width, height, channels, fit }, out: Buffer)");
  }
  Napi::Array images = info[0].As<Napi::Array>();
  Napi::TypedArray dimsArr = info[1].As<Napi::TypedArray>();
  if (dimsArr.TypedArrayType() != napi_int32_array || dimsArr.ElementLength() != 3 * static_cast<size_t>(images.Length())) {
    throw Napi::TypeError::New(env, "resizeBatch: dims must be an Int32Array of width, height, channels per image");
  }
  Napi::Object t = info[2].As<Napi::Object>();
  Target target{intField(t, "width", 1, 16384), intField(t, "height", 1, 16384), intField(t, "channels", 1, 3), intField(t, "fit", 0, 2)};
  if (target.channels == 2) throw Napi::RangeError::New(env, "resizeBatch: target.channels must be 1 or 3");
  Napi::Int32Array d = dimsArr.As<Napi::Int32Array>();
  std::vector<int> dims(d.ElementLength());
  for (uint32_t i = 0; i < images.Length(); i++) {
    const int w = d[3 * i], h = d[3 * i + 1], c = d[3 * i + 2];
    Napi::Value img = images.Get(i);
    if (!img.IsBuffer()) throw Napi::TypeError::New(env, "resizeBatch: every image must be a Buffer");
    if (w < 1 || h < 1 || (c != 1 && c != 3) || w > 65535 || h > 65535 ||
        img.As<Napi::Buffer<uint8_t>>().Length() != static_cast<size_t>(w) * h * c) {
      throw Napi::RangeError::New(env, "resizeBatch: image " + std::to_string(i) + " is not width × height × channels (1 or 3) bytes");
    }
    dims[3 * i] = w;
    dims[3 * i + 1] = h;
    dims[3 * i + 2] = c;
  }
  Napi::Buffer<uint8_t> out = info[3].As<Napi::Buffer<uint8_t>>();
  if (out.Length() < static_cast<size_t>(target.width) * target.height * target.channels * images.Length()) {
    throw Napi::RangeError::New(env, "resizeBatch: out is smaller than one target row per image");
  }
  auto* worker = new ResizeBatchWorker(env, images, std::move(dims), target, out);
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

Napi::Value DecodeBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsArray() || !info[1].IsTypedArray() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "decodeBatch(images: Buffer[], kinds: Uint8Array, maxPixels: number)");
  }
  Napi::Array images = info[0].As<Napi::Array>();
  Napi::TypedArray kindsArr = info[1].As<Napi::TypedArray>();
  if (kindsArr.TypedArrayType() != napi_uint8_array || kindsArr.ElementLength() != images.Length()) {
    throw Napi::TypeError::New(env, "decodeBatch: kinds must be a Uint8Array with one entry per image");
  }
  Napi::Uint8Array k = kindsArr.As<Napi::Uint8Array>();
  std::vector<int> kinds(k.ElementLength());
  for (size_t i = 0; i < kinds.size(); i++) kinds[i] = k[i];
  for (uint32_t i = 0; i < images.Length(); i++) {
    if (!images.Get(i).IsBuffer()) throw Napi::TypeError::New(env, "decodeBatch: every image must be a Buffer");
  }
  auto* worker = new DecodeBatchWorker(env, images, std::move(kinds), info[2].As<Napi::Number>().DoubleValue());
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

// inflateRaw(data, maxOutput) → Buffer: a small zip entry's raw deflate stream inflated on the
// spot, without the stream object node:zlib builds for every call. Throws an error with code
// ERR_BUFFER_TOO_LARGE when the data inflates past maxOutput bytes, and one naming zlib's
// complaint when it is corrupt or cut short. For entries of at most a few hundred KiB only.
Napi::Value InflateRaw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "inflateRaw(data: Buffer, maxOutput: number)");
  Napi::Buffer<uint8_t> in = info[0].As<Napi::Buffer<uint8_t>>();
  const double max = info[1].As<Napi::Number>().DoubleValue();
  if (!(max >= 0 && max <= 64 * 1024 * 1024)) throw Napi::RangeError::New(env, "inflateRaw: maxOutput must be from 0 to 64 MiB");
  const size_t cap = static_cast<size_t>(max);
  // One byte of room past maxOutput: a stream that fills it inflates too far.
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, cap + 1);
  // One inflater per thread, reset for each call: setting one up costs more than a small entry's inflate.
  struct Inflater {
    z_stream zs{};
    bool ready = false;
    ~Inflater() {
      if (ready) inflateEnd(&zs);
    }
  };
  thread_local Inflater inflater;
  z_stream& zs = inflater.zs;
  if (!inflater.ready) {
    if (inflateInit2(&zs, -15) != Z_OK) throw Napi::Error::New(env, "inflateRaw: zlib could not start");
    inflater.ready = true;
  } else if (inflateReset(&zs) != Z_OK) {
    throw Napi::Error::New(env, "inflateRaw: zlib could not reset");
  }
  zs.next_in = in.Data();
  zs.avail_in = static_cast<uInt>(in.Length());
  zs.next_out = out.Data();
  zs.avail_out = static_cast<uInt>(cap + 1);
  int ret = Z_OK;
  while (ret == Z_OK) ret = inflate(&zs, Z_NO_FLUSH);
  const size_t produced = zs.total_out;
  const std::string why = zs.msg ? zs.msg : "invalid deflate data";
  if (produced > cap) {
    Napi::Error e = Napi::Error::New(env, "inflateRaw: the data inflates past maxOutput");
    e.Set("code", Napi::String::New(env, "ERR_BUFFER_TOO_LARGE"));
    throw e;
  }
  if (ret == Z_BUF_ERROR) throw Napi::Error::New(env, "unexpected end of file");
  if (ret != Z_STREAM_END) throw Napi::Error::New(env, why);
  return out.Get("subarray").As<Napi::Function>().Call(out, {Napi::Number::New(env, 0), Napi::Number::New(env, static_cast<double>(produced))});
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeBatch", Napi::Function::New(env, DecodeBatch));
  exports.Set("resizeBatch", Napi::Function::New(env, ResizeBatch));
  exports.Set("inflateRaw", Napi::Function::New(env, InflateRaw));
  return exports;
}

}  // namespace

NODE_API_MODULE(cnn_decode, Init)
