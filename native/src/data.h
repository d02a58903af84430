// Datasets and batches: the packed uint8 NHWC images copied once onto the
// device, shuffled index batches, uint8 -> float conversion, per-channel
// normalization and ImageDataGenerator-style augmentation, all as tensor ops.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace cnn {

struct ImageDims {
  int64_t n = 0, h = 0, w = 0, c = 0;
};

struct Dataset {
  at::Tensor images;  // uint8 [N, H, W, C]
  at::Tensor labels;  // int64 [N]
  ImageDims dims;
  int64_t numClasses = 0;
  at::Device device{at::kCPU};
};

/** Checks that a buffer of `bytes` holds exactly n*h*w*c pixels; throws ENGINE_BAD_ARGUMENT. */
void checkImageBuffer(size_t bytes, const ImageDims& dims);

/** Copies NHWC uint8 pixels into a tensor on `device`. */
at::Tensor imagesFromBuffer(const uint8_t* data, size_t bytes, const ImageDims& dims, const at::Device& device);

/** Validates sizes and label range, then copies images and labels once. */
std::shared_ptr<Dataset> makeDataset(const uint8_t* images, size_t imageBytes, const int32_t* labels, size_t labelCount,
                                     const ImageDims& dims, int64_t numClasses, const at::Device& device);

/** Checks a subset of sample indices against a dataset of n samples and returns them as an int64 tensor on `device`. */
at::Tensor subsetIndices(const std::vector<int32_t>& indices, int64_t n, const at::Device& device);

struct Range {
  double lo = 0, hi = 0;
};

enum class FillMode { Nearest, Constant, Reflect };

/**
 * Keras ImageDataGenerator knobs, each as an explicit [lo, hi] range (the
 * TypeScript layer turns Keras's symmetric `r` into [-r, r] and zoom `z` into
 * [1-z, 1+z]). Shifts are fractions of the image size; a positive shift moves
 * the content right / down. Angles are degrees. Flips are probabilities.
 */
struct AugmentOptions {
  Range rotation, widthShift, heightShift, shear;
  Range zoom{1, 1};
  double horizontalFlip = 0, verticalFlip = 0;
  bool brightness = false;
  Range brightnessRange{1, 1};
  FillMode fill = FillMode::Nearest;
  double cval = 0;  // fill value for FillMode::Constant, in [0, 1] pixel units
  // torchvision's RandomResizedCrop, applied before the transforms above: a crop of a random
  // share of the area (cropScale) and aspect ratio (cropRatio, drawn log-uniformly), resized back.
  bool randomResizedCrop = false;
  Range cropScale{0.08, 1.0};
  Range cropRatio{3.0 / 4.0, 4.0 / 3.0};

  bool geometric() const;
  bool any() const { return geometric() || brightness; }
};

/** Applies a random transform per sample to a float NCHW batch in [0, 1]. Randomness comes only from `rng`. */
at::Tensor augment(const at::Tensor& batch01, const AugmentOptions& options, std::mt19937_64& rng);

/** uint8 NHWC -> float NCHW in [0, 1] on `device`. */
at::Tensor toUnitFloat(const at::Tensor& u8, const at::Device& device);

/**
 * Turns gathered uint8 NHWC samples into the float NCHW batch the model
 * reads: (x / 255 - mean) / std per channel, optionally augmented first.
 */
class BatchPreparer {
 public:
  /** `mean` / `std` have 1 or `channels` entries (empty: 0 and 1). */
  BatchPreparer(const std::vector<double>& mean, const std::vector<double>& std, int64_t channels, const at::Device& device,
                at::MemoryFormat format = at::MemoryFormat::Contiguous);

  at::Tensor operator()(const at::Tensor& u8, const AugmentOptions* augmentation, std::mt19937_64* rng) const;

 private:
  at::Device device_;
  at::MemoryFormat format_;
  at::Tensor rawScale_, rawShift_;    // applied to 0..255 values
  at::Tensor unitScale_, unitShift_;  // applied to 0..1 values (after augmentation)
};

}  // namespace cnn
