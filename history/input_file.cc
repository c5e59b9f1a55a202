#include "history/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace coordcheck {
namespace {

// `bytes` for messages: "16 MiB" when a whole number of MiB, else "N bytes".
std::string ByteCount(uint64_t bytes) {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  if (bytes >= (kMiB << 10) && bytes % (kMiB << 10) == 0) {
    return std::to_string(bytes / (kMiB << 10)) + " GiB";
  }
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

// What a file that is neither regular nor a pipe is, for the error that refuses it.
std::string_view KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Status InputTooLong(const std::string& name, int64_t line, uint64_t max_input_bytes) {
  return InputError(
      name, line, "input longer than " + ByteCount(max_input_bytes) + ", the limit for a history");
}

Status LineTooLong(const std::string& name, int64_t line, size_t max_line_bytes) {
  return InputError(name, line,
                    "line longer than " + ByteCount(max_line_bytes) + ", the limit for one event");
}

Status OutOfMemory(const std::string& name, int64_t line, size_t events) {
  return InputError(name, line, "out of memory after " + std::to_string(events) + " events");
}

InputFile::~InputFile() {
  if (owned_) ::close(fd_);
}

Status InputFile::ErrnoError(std::string_view what) const {
  return InputError(
      name_, 0,
      std::string(what) + ": " + std::error_code(errno, std::generic_category()).message());
}

Status InputFile::Open(const std::string& path) {
  if (path == "-") {
    name_ = "<stdin>";
    fd_ = STDIN_FILENO;
    owned_ = false;
  } else {
    name_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return ErrnoError("cannot open");
    owned_ = true;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return ErrnoError("cannot stat");
  if (owned_ && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    return InputError(name_, 0,
                      std::string(KindOf(st.st_mode)) +
                          ", not a history file (give a file, a pipe, or - for stdin)");
  }
  size_hint_ = S_ISREG(st.st_mode) ? st.st_size : 0;
  return Status::Ok();
}

Result<size_t> InputFile::Read(char* buffer, size_t size) {
  for (;;) {
    ssize_t n = ::read(fd_, buffer, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return ErrnoError("cannot read");
  }
}

Status InputFile::ReadAll(std::string* text, uint64_t max_bytes) {
  if (size_hint_ > 0) {
    text->reserve(text->size() + std::min(static_cast<uint64_t>(size_hint_), max_bytes + 1));
  }
  char buffer[1 << 16];
  uint64_t total = 0;
  for (;;) {
    const Result<size_t> read = Read(buffer, sizeof(buffer));
    if (!read) return read.status();
    const size_t n = *read;
    if (n == 0) return Status::Ok();
    if (total + n > max_bytes) {
      const size_t fits = static_cast<size_t>(max_bytes - total);
      text->append(buffer, fits);
      const auto line = 1 + std::count(text->begin(), text->end(), '\n');
      return InputTooLong(name_, line, max_bytes);
    }
    total += n;
    text->append(buffer, n);
  }
}

}  // namespace coordcheck
