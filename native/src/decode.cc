// cnn_decode: JPEG decoding for ingest on the libuv thread pool, with
// Debian's libjpeg-turbo, apart from the training addon so that it builds in
// seconds and needs nothing of libtorch.
//
// decodeJpeg(bytes, maxPixels) → Promise<{ data, width, height, channels,
// cells }> decodes an 8-bit grey or colour JPEG at full size (libjpeg's
// defaults: the accurate integer IDCT and fancy upsampling, as libvips reads
// them) into grey or RGB bytes, and averages them over the 9×8 dHash grid
// (`cells`, row-major means; fingerprint.ts turns them into the dHash and the
// thumbnail, and documents the grid). Any libjpeg warning (a truncated or
// corrupt stream) rejects, as does an image over `maxPixels`, checked from
// the header before any pixel is decoded; the caller then asks sharp, which
// reports the reason.
#include <napi.h>

#include <csetjmp>
#include <cstdio>
#include <cmath>
#include <string>
#include <vector>

#include <jpeglib.h>

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

class DecodeJpegWorker : public Napi::AsyncWorker {
 public:
  DecodeJpegWorker(Napi::Env env, Napi::Buffer<uint8_t> input, double maxPixels)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), maxPixels_(maxPixels) {
    inputRef_ = Napi::Persistent(input);
    data_ = input.Data();
    size_ = input.Length();
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    jpeg_decompress_struct cinfo;
    ErrorManager err;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = onError;
    err.pub.emit_message = onMessage;
    if (setjmp(err.jump)) {
      jpeg_destroy_decompress(&cinfo);
      SetError(std::string("jpeg: ") + err.message);
      return;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data_, static_cast<unsigned long>(size_));
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.data_precision != 8 || (cinfo.num_components != 1 && cinfo.num_components != 3)) {
      jpeg_destroy_decompress(&cinfo);
      SetError("jpeg: not an 8-bit grey or colour image");
      return;
    }
    if (static_cast<double>(cinfo.image_width) * cinfo.image_height > maxPixels_) {
      jpeg_destroy_decompress(&cinfo);
      SetError("jpeg: over the pixel limit");
      return;
    }
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    width_ = static_cast<int>(cinfo.output_width);
    height_ = static_cast<int>(cinfo.output_height);
    channels_ = cinfo.output_components;
    const size_t stride = static_cast<size_t>(width_) * channels_;
    pixels_.resize(stride * height_);
    while (cinfo.output_scanline < cinfo.output_height) {
      JSAMPROW row = pixels_.data() + stride * cinfo.output_scanline;
      jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    cellMeans(pixels_.data(), width_, height_, channels_, cells_);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("data", Napi::Buffer<uint8_t>::Copy(env, pixels_.data(), pixels_.size()));
    out.Set("width", width_);
    out.Set("height", height_);
    out.Set("channels", channels_);
    Napi::Float64Array cells = Napi::Float64Array::New(env, kCols * kRows);
    for (int i = 0; i < kCols * kRows; i++) cells[i] = cells_[i];
    out.Set("cells", cells);
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Buffer<uint8_t>> inputRef_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  double maxPixels_;
  int width_ = 0, height_ = 0, channels_ = 0;
  std::vector<uint8_t> pixels_;
  double cells_[kCols * kRows] = {};
};

Napi::Value DecodeJpeg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "decodeJpeg(bytes: Buffer, maxPixels: number)");
  }
  auto* worker = new DecodeJpegWorker(env, info[0].As<Napi::Buffer<uint8_t>>(), info[1].As<Napi::Number>().DoubleValue());
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeJpeg", Napi::Function::New(env, DecodeJpeg));
  return exports;
}

}  // namespace

NODE_API_MODULE(cnn_decode, Init)
