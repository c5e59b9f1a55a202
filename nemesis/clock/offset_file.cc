#include "nemesis/clock/offset_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "nemesis/clock/offset_layout.h"

namespace coordcheck::clock {
namespace {


// pwrite/pread of exactly `size` bytes at `pos`; false with errno set otherwise.
bool WriteAt(int fd, const void* data, size_t size, int64_t pos) {
  ssize_t n;
  do {
    n = pwrite(fd, data, size, pos);
  } while (n < 0 && errno == EINTR);
  if (n >= 0 && static_cast<size_t>(n) != size) errno = EIO;
  return n >= 0 && static_cast<size_t>(n) == size;
}

bool ReadAt(int fd, void* data, size_t size, int64_t pos) {
  ssize_t n;
  do {
    n = pread(fd, data, size, pos);
  } while (n < 0 && errno == EINTR);
  if (n >= 0 && static_cast<size_t>(n) != size) errno = EIO;
  return n >= 0 && static_cast<size_t>(n) == size;
}

// Why an open file is not an offset file ("" when it is one).
std::string CheckFormat(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) return std::string("cannot stat: ") + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (st.st_size != kOffsetFileSize) {
    return "size " + std::to_string(st.st_size) + ", not " + std::to_string(kOffsetFileSize);
  }
  char magic[sizeof kOffsetMagic];
  if (!ReadAt(fd, magic, sizeof magic, 0))
    return std::string("cannot read: ") + std::strerror(errno);
  if (std::memcmp(magic, kOffsetMagic, sizeof magic) != 0) return "no offset file magic";
  return "";
}

}  // namespace

Status OffsetFile::Error(const std::string& what, int err) const {
  return Status::Error("offset file " + path_ + ": " + what +
                       (err != 0 ? std::string(": ") + std::strerror(err) : ""));
}

Result<OffsetFile> OffsetFile::Create(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::Error("offset file " + path + ": cannot create " + parent.string() + ": " +
                         ec.message());
  }
  control::UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  const int open_errno = errno;
  if (!fd.valid() && open_errno == EEXIST) {
    auto existing = Open(path);
    if (!existing.ok()) return existing.status();
    if (Status s = existing->Write(0); !s.ok()) return s;
    return existing;
  }
  OffsetFile file(path, std::move(fd));
  if (!file.fd_.valid()) return file.Error("cannot create", open_errno);
  alignas(8) unsigned char image[kOffsetFileSize] = {};
  std::memcpy(image, kOffsetMagic, sizeof kOffsetMagic);
  if (!WriteAt(file.fd_.get(), image, sizeof image, 0)) {
    const int err = errno;
    unlink(path.c_str());
    return file.Error("cannot write", err);
  }
  return file;
}

Result<OffsetFile> OffsetFile::Open(const std::string& path) {
  control::UniqueFd fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
  const int open_errno = errno;
  OffsetFile file(path, std::move(fd));
  if (!file.fd_.valid()) return file.Error("cannot open", open_errno);
  if (std::string why = CheckFormat(file.fd_.get()); !why.empty()) return file.Error(why, 0);
  return file;
}

Status OffsetFile::Write(int64_t offset_ns) {
  uint64_t generation = 0;
  if (!ReadAt(fd_.get(), &generation, sizeof generation, kGenerationPos)) {
    return Error("cannot read the generation", errno);
  }
  ++generation;
  if (!WriteAt(fd_.get(), &offset_ns, sizeof offset_ns, SlotPos(generation))) {
    return Error("cannot write the offset", errno);
  }
  if (!WriteAt(fd_.get(), &generation, sizeof generation, kGenerationPos)) {
    return Error("cannot publish the offset", errno);
  }
  return Status::Ok();
}

Result<int64_t> OffsetFile::Read() const {
  alignas(8) unsigned char image[kOffsetFileSize];
  if (!ReadAt(fd_.get(), image, sizeof image, 0)) return Error("cannot read", errno);
  return ReadOffsetNs(image);
}

Result<OffsetMapping> OffsetMapping::Map(const std::string& path) {
  auto fail = [&path](const std::string& what) {
    return Status::Error("offset file " + path + ": " + what);
  };
  control::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail(std::string("cannot open: ") + std::strerror(errno));
  if (std::string why = CheckFormat(fd.get()); !why.empty()) return fail(why);
  void* mapping = mmap(nullptr, kOffsetFileSize, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (mapping == MAP_FAILED) return fail(std::string("cannot map: ") + std::strerror(errno));
  return OffsetMapping(mapping);
}

OffsetMapping::OffsetMapping(OffsetMapping&& other) noexcept
    : mapping_(std::exchange(other.mapping_, nullptr)) {}

OffsetMapping& OffsetMapping::operator=(OffsetMapping&& other) noexcept {
  if (this != &other) {
    if (mapping_ != nullptr) munmap(const_cast<void*>(mapping_), kOffsetFileSize);
    mapping_ = std::exchange(other.mapping_, nullptr);
  }
  return *this;
}

OffsetMapping::~OffsetMapping() {
  if (mapping_ != nullptr) munmap(const_cast<void*>(mapping_), kOffsetFileSize);
}

int64_t OffsetMapping::Read() const { return ReadOffsetNs(mapping_); }

}  // namespace coordcheck::clock
