#include "data.h"

#include <cmath>
#include <limits>

#include "errors.h"

namespace cnn {

namespace {

constexpr double PI = 3.14159265358979323846;
constexpr double DEG = PI / 180.0;

std::string dimsText(const ImageDims& d) {
  return "n=" + std::to_string(d.n) + " h=" + std::to_string(d.h) + " w=" + std::to_string(d.w) + " c=" + std::to_string(d.c);
}

// 3x3 homogeneous matrices in Keras's (row, col) image coordinates.
using Mat3 = std::array<std::array<double, 3>, 3>;

Mat3 multiply(const Mat3& a, const Mat3& b) {
  Mat3 m{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) m[i][j] += a[i][k] * b[k][j];
  return m;
}

double draw(const Range& r, std::mt19937_64& rng) {
  if (r.lo == r.hi) return r.lo;
  return std::uniform_real_distribution<double>(r.lo, r.hi)(rng);
}

bool chance(double p, std::mt19937_64& rng) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

/** A crop as a map from normalized crop coordinates to normalized image coordinates: x_in = sx * x + cx. */
struct CropMap {
  double sx = 1, sy = 1, cx = 0, cy = 0;
};

/**
 * torchvision's RandomResizedCrop.get_params: up to 10 tries at a random
 * area share and log-uniform aspect ratio that fits, else the largest
 * central crop within the ratio range.
 */
CropMap sampleCrop(const AugmentOptions& o, int64_t h, int64_t w, std::mt19937_64& rng) {
  constexpr int ATTEMPTS = 10;
  double area = static_cast<double>(h * w);
  double logLo = std::log(o.cropRatio.lo), logHi = std::log(o.cropRatio.hi);
  int64_t ch = h, cw = w, top = 0, left = 0;
  bool found = false;
  for (int attempt = 0; attempt < ATTEMPTS && !found; ++attempt) {
    double target = area * draw(o.cropScale, rng);
    double ratio = std::exp(draw({logLo, logHi}, rng));
    auto tw = static_cast<int64_t>(std::llround(std::sqrt(target * ratio)));
    auto th = static_cast<int64_t>(std::llround(std::sqrt(target / ratio)));
    if (tw > 0 && tw <= w && th > 0 && th <= h) {
      ch = th;
      cw = tw;
      top = std::uniform_int_distribution<int64_t>(0, h - th)(rng);
      left = std::uniform_int_distribution<int64_t>(0, w - tw)(rng);
      found = true;
    }
  }
  if (!found) {
    double inRatio = static_cast<double>(w) / static_cast<double>(h);
    if (inRatio < o.cropRatio.lo) {
      cw = w;
      ch = std::llround(static_cast<double>(w) / o.cropRatio.lo);
    } else if (inRatio > o.cropRatio.hi) {
      ch = h;
      cw = std::llround(static_cast<double>(h) * o.cropRatio.hi);
    }
    top = (h - ch) / 2;
    left = (w - cw) / 2;
  }
  // With align_corners=false, -1 and 1 are the outer edges of the first and last pixel.
  double wd = static_cast<double>(w), hd = static_cast<double>(h);
  return {cw / wd, ch / hd, (2.0 * left + cw) / wd - 1.0, (2.0 * top + ch) / hd - 1.0};
}

/**
 * The affine_grid matrix for one sample. Follows keras_preprocessing's
 * apply_affine_transform: rotation @ shift @ shear @ zoom, mapping output
 * pixel coordinates (relative to the image centre) to input coordinates, then
 * the flips. affine_grid wants the same map in normalized (x = col, y = row)
 * coordinates in [-1, 1], where the centre offset cancels.
 */
std::array<float, 6> sampleTheta(const AugmentOptions& o, int64_t h, int64_t w, std::mt19937_64& rng) {
  CropMap crop = o.randomResizedCrop ? sampleCrop(o, h, w, rng) : CropMap{};
  double rot = draw(o.rotation, rng) * DEG;
  double shiftRows = draw(o.heightShift, rng) * static_cast<double>(h);
  double shiftCols = draw(o.widthShift, rng) * static_cast<double>(w);
  double shear = draw(o.shear, rng) * DEG;
  double zx = 1, zy = 1;
  if (!(o.zoom.lo == 1 && o.zoom.hi == 1)) {
    zx = draw(o.zoom, rng);
    zy = draw(o.zoom, rng);
  }
  bool flipH = chance(o.horizontalFlip, rng);
  bool flipV = chance(o.verticalFlip, rng);

  Mat3 rotation{{{std::cos(rot), -std::sin(rot), 0}, {std::sin(rot), std::cos(rot), 0}, {0, 0, 1}}};
  // Output pixel p reads input pixel p - shift: the content moves by +shift.
  Mat3 shift{{{1, 0, -shiftRows}, {0, 1, -shiftCols}, {0, 0, 1}}};
  Mat3 shearing{{{1, -std::sin(shear), 0}, {0, std::cos(shear), 0}, {0, 0, 1}}};
  Mat3 zoom{{{zx, 0, 0}, {0, zy, 0}, {0, 0, 1}}};
  Mat3 m = multiply(multiply(multiply(rotation, shift), shearing), zoom);

  double hd = static_cast<double>(h), wd = static_cast<double>(w);
  std::array<double, 6> t{m[1][1], m[1][0] * hd / wd, 2 * m[1][2] / wd,   // x_in
                          m[0][1] * wd / hd, m[0][0], 2 * m[0][2] / hd};  // y_in
  if (flipH) {
    t[0] = -t[0];
    t[3] = -t[3];
  }
  if (flipV) {
    t[1] = -t[1];
    t[4] = -t[4];
  }
  // The crop comes first in the pipeline, so last in this output-to-input map.
  std::array<float, 6> out;
  for (size_t i = 0; i < 3; ++i) out[i] = static_cast<float>(crop.sx * t[i] + (i == 2 ? crop.cx : 0));
  for (size_t i = 3; i < 6; ++i) out[i] = static_cast<float>(crop.sy * t[i] + (i == 5 ? crop.cy : 0));
  return out;
}

// grid_sampler padding modes: 0 zeros, 1 border, 2 reflection.
int64_t paddingMode(FillMode fill) {
  switch (fill) {
    case FillMode::Constant: return 0;
    case FillMode::Nearest: return 1;
    case FillMode::Reflect: return 2;
  }
  return 1;
}

at::Tensor channelTensor(const std::vector<double>& values, double fallback, int64_t channels, const char* what) {
  if (!values.empty() && values.size() != 1 && static_cast<int64_t>(values.size()) != channels) {
    badArgument(std::string(what) + " must have 1 or " + std::to_string(channels) + " entries");
  }
  std::vector<float> v(static_cast<size_t>(channels));
  for (int64_t i = 0; i < channels; ++i) {
    double x = values.empty() ? fallback : values[values.size() == 1 ? 0 : static_cast<size_t>(i)];
    v[static_cast<size_t>(i)] = static_cast<float>(x);
  }
  return at::tensor(v, at::TensorOptions().dtype(at::kFloat)).view({1, channels, 1, 1});
}

}  // namespace

void checkImageBuffer(size_t bytes, const ImageDims& d) {
  if (d.n < 1 || d.h < 1 || d.w < 1 || d.c < 1) badArgument("image dimensions must be positive (" + dimsText(d) + ")");
  // Each factor is below 2^31 in practice; check the product for overflow anyway.
  constexpr int64_t LIMIT = std::numeric_limits<int64_t>::max();
  int64_t pixels = d.h * d.w;
  if (d.h > LIMIT / d.w || pixels > LIMIT / d.c || pixels * d.c > LIMIT / d.n || static_cast<uint64_t>(pixels * d.c * d.n) != bytes) {
    badArgument("image buffer has " + std::to_string(bytes) + " bytes but " + dimsText(d) + " needs n*h*w*c bytes");
  }
}

at::Tensor imagesFromBuffer(const uint8_t* data, size_t bytes, const ImageDims& d, const at::Device& device) {
  checkImageBuffer(bytes, d);
  at::Tensor view = at::from_blob(const_cast<uint8_t*>(data), {d.n, d.h, d.w, d.c}, at::TensorOptions().dtype(at::kByte));
  return device.is_cpu() ? view.clone() : view.to(device);
}

std::shared_ptr<Dataset> makeDataset(const uint8_t* images, size_t imageBytes, const int32_t* labels, size_t labelCount,
                                     const ImageDims& dims, int64_t numClasses, const at::Device& device) {
  checkImageBuffer(imageBytes, dims);
  if (numClasses < 1) badArgument("numClasses must be at least 1");
  if (static_cast<int64_t>(labelCount) != dims.n) {
    badArgument("labels has " + std::to_string(labelCount) + " entries but there are " + std::to_string(dims.n) + " images");
  }
  for (size_t i = 0; i < labelCount; ++i) {
    if (labels[i] < 0 || labels[i] >= numClasses) {
      badArgument("label " + std::to_string(labels[i]) + " of sample " + std::to_string(i) + " is outside [0, " +
                  std::to_string(numClasses) + ")");
    }
  }
  auto ds = std::make_shared<Dataset>();
  ds->images = imagesFromBuffer(images, imageBytes, dims, device);
  at::Tensor l = at::from_blob(const_cast<int32_t*>(labels), {dims.n}, at::TensorOptions().dtype(at::kInt));
  ds->labels = l.to(at::kLong).to(device);
  ds->dims = dims;
  ds->numClasses = numClasses;
  ds->device = device;
  return ds;
}

at::Tensor subsetIndices(const std::vector<int32_t>& indices, int64_t n, const at::Device& device) {
  if (indices.empty()) badArgument("indices must not be empty");
  std::vector<int64_t> wide(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0 || indices[i] >= n) {
      badArgument("index " + std::to_string(indices[i]) + " is outside the dataset [0, " + std::to_string(n) + ")");
    }
    wide[i] = indices[i];
  }
  return at::tensor(wide, at::TensorOptions().dtype(at::kLong)).to(device);
}

bool AugmentOptions::geometric() const {
  auto active = [](const Range& r) { return r.lo != 0 || r.hi != 0; };
  return active(rotation) || active(widthShift) || active(heightShift) || active(shear) || zoom.lo != 1 || zoom.hi != 1 ||
         horizontalFlip > 0 || verticalFlip > 0 || randomResizedCrop;
}

at::Tensor augment(const at::Tensor& batch, const AugmentOptions& o, std::mt19937_64& rng) {
  int64_t b = batch.size(0), h = batch.size(2), w = batch.size(3);
  // Draw every sample's parameters first, in a fixed order, so a seed gives the same batch on any device.
  std::vector<float> thetas(static_cast<size_t>(b) * 6);
  std::vector<float> factors(static_cast<size_t>(b), 1.0f);
  bool geometric = o.geometric();
  for (int64_t i = 0; i < b; ++i) {
    if (geometric) {
      auto t = sampleTheta(o, h, w, rng);
      std::copy(t.begin(), t.end(), thetas.begin() + i * 6);
    }
    if (o.brightness) factors[static_cast<size_t>(i)] = static_cast<float>(draw(o.brightnessRange, rng));
  }
  at::Tensor x = batch;
  if (geometric) {
    at::Tensor theta = at::tensor(thetas, at::TensorOptions().dtype(at::kFloat)).view({b, 2, 3}).to(x.device());
    at::Tensor grid = at::affine_grid_generator(theta, x.sizes(), false);
    bool shiftFill = o.fill == FillMode::Constant && o.cval != 0;
    // zeros padding fills with 0; sampling x - cval and adding it back fills with cval.
    at::Tensor source = shiftFill ? x - o.cval : x;
    x = at::grid_sampler(source, grid, /*bilinear*/ 0, paddingMode(o.fill), false);
    if (shiftFill) x.add_(o.cval);
  }
  if (o.brightness) {
    at::Tensor f = at::tensor(factors, at::TensorOptions().dtype(at::kFloat)).view({b, 1, 1, 1}).to(x.device());
    x = (x * f).clamp_(0, 1);
  }
  return x;
}

at::Tensor toUnitFloat(const at::Tensor& u8, const at::Device& device) {
  at::Tensor src = u8.to(device).permute({0, 3, 1, 2});
  at::Tensor out = at::empty(src.sizes(), at::TensorOptions().dtype(at::kFloat).device(device));
  out.copy_(src);
  return out.mul_(1.0 / 255.0);
}

BatchPreparer::BatchPreparer(const std::vector<double>& mean, const std::vector<double>& std, int64_t channels, const at::Device& device,
                             at::MemoryFormat format)
    : device_(device), format_(format) {
  for (double s : std) {
    if (!(s > 0) || !std::isfinite(s)) badArgument("std entries must be positive");
  }
  at::Tensor m = channelTensor(mean, 0.0, channels, "mean");
  at::Tensor s = channelTensor(std, 1.0, channels, "std");
  unitScale_ = s.reciprocal().to(device);
  unitShift_ = (-m / s).to(device);
  rawScale_ = (s * 255.0).reciprocal().to(device);
  rawShift_ = unitShift_;
}

at::Tensor BatchPreparer::operator()(const at::Tensor& u8, const AugmentOptions* augmentation, std::mt19937_64* rng) const {
  // Move the uint8 batch (4x smaller than float) before converting; permute + convert in one copy.
  at::Tensor src = u8.to(device_).permute({0, 3, 1, 2});
  at::Tensor x = at::empty(src.sizes(), at::TensorOptions().dtype(at::kFloat).device(device_).memory_format(format_));
  x.copy_(src);
  if (augmentation != nullptr && rng != nullptr && augmentation->any()) {
    x.mul_(1.0 / 255.0);
    x = augment(x, *augmentation, *rng).contiguous(format_);
    return at::addcmul_out(x, unitShift_, x, unitScale_);
  }
  return at::addcmul_out(x, rawShift_, x, rawScale_);
}

}  // namespace cnn
