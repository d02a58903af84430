#include "io.h"

#include <c10/core/GradMode.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include "errors.h"
#include "json.h"

namespace cnn {

namespace {

// The safetensors reference implementation refuses larger headers; so do we.
constexpr uint64_t MAX_HEADER_BYTES = 100ull * 1024 * 1024;
// Names listed per kind in an error message; the error's arrays carry all of them.
constexpr size_t MAX_NAMES_IN_MESSAGE = 10;

[[noreturn]] void ioFail(const std::string& what, const std::string& path) {
  fail(IO_ERROR, what + " '" + path + "': " + std::strerror(errno));
}

struct DtypeName {
  const char* name;
  at::ScalarType type;
};

const DtypeName DTYPES[] = {
    {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"F64", at::kDouble}, {"I64", at::kLong},
    {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},      {"U8", at::kByte},    {"BOOL", at::kBool},
};

const char* dtypeName(at::ScalarType t) {
  for (const auto& d : DTYPES) {
    if (d.type == t) return d.name;
  }
  badArgument(std::string("cannot store dtype ") + c10::toString(t) + " in safetensors");
}

bool parseDtype(const std::string& name, at::ScalarType& out) {
  for (const auto& d : DTYPES) {
    if (name == d.name) {
      out = d.type;
      return true;
    }
  }
  return false;
}

void writeAll(int fd, const void* data, size_t size, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      ioFail("cannot write", path);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

std::string directoryOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < MAX_NAMES_IN_MESSAGE; ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  if (names.size() > MAX_NAMES_IN_MESSAGE) out += ", ... (" + std::to_string(names.size() - MAX_NAMES_IN_MESSAGE) + " more)";
  return out;
}

std::vector<int64_t> shapeOf(const at::Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

// Reads `size` bytes at `offset` of an open file into `dst`.
void readAt(std::ifstream& in, uint64_t offset, void* dst, uint64_t size, const std::string& path) {
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(size));
  if (!in) fail(IO_ERROR, "'" + path + "' is truncated");
}

NamedCpuTensor readTensor(std::ifstream& in, const std::string& name, const json::Value& info, uint64_t dataStart,
                          uint64_t dataBytes, const std::string& path) {
  auto bad = [&](const std::string& why) { fail(IO_ERROR, "'" + path + "' is not a valid safetensors file: tensor '" + name + "' " + why); };
  const json::Value* dtype = info.find("dtype");
  const json::Value* shape = info.find("shape");
  const json::Value* offsets = info.find("data_offsets");
  if (!dtype || !dtype->isString() || !shape || !shape->isArray() || !offsets || !offsets->isArray() || offsets->items.size() != 2) {
    bad("lacks dtype, shape or data_offsets");
  }
  at::ScalarType type;
  if (!parseDtype(dtype->string, type)) bad("has unsupported dtype " + dtype->string);
  std::vector<int64_t> dims;
  uint64_t numel = 1;
  for (const auto& d : shape->items) {
    if (!d.isNumber() || d.number < 0 || d.number > 1e15 || d.number != static_cast<double>(static_cast<int64_t>(d.number))) bad("has a bad shape");
    dims.push_back(static_cast<int64_t>(d.number));
    numel *= static_cast<uint64_t>(dims.back());
    if (numel > dataBytes && dims.back() != 0 && numel != 0) bad("is larger than the file");
  }
  const auto& b = offsets->items[0];
  const auto& e = offsets->items[1];
  if (!b.isNumber() || !e.isNumber() || b.number < 0 || e.number < b.number || e.number > static_cast<double>(dataBytes)) {
    bad("has data_offsets outside the file");
  }
  auto begin = static_cast<uint64_t>(b.number), end = static_cast<uint64_t>(e.number);
  uint64_t bytes = numel * c10::elementSize(type);
  if (end - begin != bytes) bad("has data_offsets that do not match its shape and dtype");
  at::Tensor t = at::empty(dims, at::TensorOptions().dtype(type));
  if (bytes > 0) readAt(in, dataStart + begin, t.data_ptr(), bytes, path);
  return {name, t};
}

}  // namespace

void writeFileAtomic(const std::string& path, const std::function<void(const std::string& tmpPath)>& write) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    write(tmp);
    int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd < 0) ioFail("cannot reopen", tmp);
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) ioFail("cannot fsync", tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) ioFail("cannot rename onto", path);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  // Make the rename itself durable; a directory that cannot be opened is not worth failing the write for.
  int dir = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void writeSafetensors(const std::string& path, const std::vector<NamedCpuTensor>& tensors, const Metadata& metadata) {
  std::vector<at::Tensor> data;
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i) header += ",";
      json::appendQuoted(header, metadata[i].first);
      header += ":";
      json::appendQuoted(header, metadata[i].second);
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    at::Tensor cpu = t.value.detach().to(at::kCPU).contiguous();
    uint64_t bytes = static_cast<uint64_t>(cpu.numel()) * cpu.element_size();
    if (header.size() > 1) header += ",";
    json::appendQuoted(header, t.name);
    header += ":{\"dtype\":\"";
    header += dtypeName(cpu.scalar_type());
    header += "\",\"shape\":" + json::formatShape(shapeOf(cpu));
    header += ",\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
    data.push_back(cpu);
  }
  header += "}";
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  while ((header.size() % 8) != 0) header += ' ';

  writeFileAtomic(path, [&](const std::string& tmp) {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) ioFail("cannot create", tmp);
    try {
      uint8_t len[8];
      uint64_t n = header.size();
      for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));  // little-endian
      writeAll(fd, len, 8, tmp);
      writeAll(fd, header.data(), header.size(), tmp);
      for (const auto& t : data) writeAll(fd, t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size(), tmp);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0) ioFail("cannot close", tmp);
  });
}

SafetensorsFile readSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ioFail("cannot open", path);
  in.seekg(0, std::ios::end);
  auto fileSize = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  auto invalid = [&](const std::string& why) { fail(IO_ERROR, "'" + path + "' is not a valid safetensors file: " + why); };
  if (fileSize < 8) invalid("shorter than its 8-byte header length");
  uint8_t len[8];
  readAt(in, 0, len, 8, path);
  uint64_t headerBytes = 0;
  for (int i = 7; i >= 0; --i) headerBytes = (headerBytes << 8) | len[i];
  if (headerBytes > MAX_HEADER_BYTES || headerBytes > fileSize - 8) invalid("header length out of range");
  std::string headerText(headerBytes, '\0');
  readAt(in, 8, &headerText[0], headerBytes, path);

  json::Value header;
  try {
    header = json::parse(headerText);
  } catch (const std::invalid_argument& e) {
    invalid(std::string("header is not JSON (") + e.what() + ")");
  }
  if (!header.isObject()) invalid("header is not a JSON object");

  SafetensorsFile file;
  uint64_t dataStart = 8 + headerBytes;
  for (const auto& member : header.members) {
    if (member.first == "__metadata__") {
      if (!member.second.isObject()) invalid("__metadata__ is not an object");
      for (const auto& m : member.second.members) {
        if (!m.second.isString()) invalid("__metadata__ values must be strings");
        file.metadata.emplace_back(m.first, m.second.string);
      }
      continue;
    }
    if (!member.second.isObject()) invalid("entry '" + member.first + "' is not an object");
    file.tensors.push_back(readTensor(in, member.first, member.second, dataStart, fileSize - dataStart, path));
  }
  return file;
}

void saveWeights(const Graph& graph, const std::string& path, const Metadata& metadata) {
  std::vector<NamedCpuTensor> tensors;
  for (const Layer& l : graph.layers) {
    for (const auto& t : l.tensors) tensors.push_back({t.name, t.value});
  }
  writeSafetensors(path, tensors, metadata);
}

WeightsReport loadWeights(Graph& graph, const std::string& path, bool strict) {
  SafetensorsFile file = readSafetensors(path);
  std::unordered_map<std::string, size_t> byName;
  for (size_t i = 0; i < file.tensors.size(); ++i) byName[file.tensors[i].name] = i;

  WeightsReport report;
  std::vector<std::string> shapeNotes;
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;  // destination, source
  std::unordered_map<std::string, bool> known;
  for (Layer& l : graph.layers) {
    for (auto& t : l.tensors) {
      known[t.name] = true;
      auto it = byName.find(t.name);
      if (it == byName.end()) {
        report.missing.push_back(t.name);
        continue;
      }
      const at::Tensor& src = file.tensors[it->second].value;
      if (src.sizes() != t.value.sizes()) {
        report.mismatched.push_back(t.name);
        shapeNotes.push_back(t.name + " (file " + json::formatShape(shapeOf(src)) + ", model " + json::formatShape(shapeOf(t.value)) + ")");
        continue;
      }
      copies.emplace_back(t.value, src);
    }
  }
  for (const auto& t : file.tensors) {
    if (!known.count(t.name)) report.unexpected.push_back(t.name);
  }
  report.metadata = file.metadata;

  bool clean = report.missing.empty() && report.unexpected.empty() && report.mismatched.empty();
  if (strict && !clean) {
    std::string message = "weights file '" + path + "' does not fit the model:";
    if (!report.missing.empty()) message += " missing " + joinNames(report.missing) + ";";
    if (!report.unexpected.empty()) message += " unexpected " + joinNames(report.unexpected) + ";";
    if (!shapeNotes.empty()) message += " mis-shaped " + joinNames(shapeNotes) + ";";
    message.pop_back();
    throw EngineError(WEIGHTS_MISMATCH, message,
                      {{"missing", report.missing}, {"unexpected", report.unexpected}, {"mismatched", report.mismatched}});
  }
  // Everything was checked first, so a strict failure leaves the model untouched.
  c10::NoGradGuard noGrad;
  for (auto& c : copies) c.first.copy_(c.second);
  return report;
}

}  // namespace cnn
