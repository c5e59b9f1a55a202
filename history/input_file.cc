#include "history/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace coordcheck {

InputFile::~InputFile() {
  if (owned_) ::close(fd_);
}

std::optional<InputError> InputFile::ErrnoError(std::string_view what) const {
  return InputError{
      name_, 0,
      std::string(what) + ": " + std::error_code(errno, std::generic_category()).message()};
}

std::optional<InputError> InputFile::Open(const std::string& path) {
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
  size_hint_ = (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) ? st.st_size : 0;
  return std::nullopt;
}

std::optional<InputError> InputFile::Read(char* buffer, size_t size, size_t* read) {
  for (;;) {
    ssize_t n = ::read(fd_, buffer, size);
    if (n >= 0) {
      *read = static_cast<size_t>(n);
      return std::nullopt;
    }
    if (errno != EINTR) return ErrnoError("cannot read");
  }
}

std::optional<InputError> InputFile::ReadAll(std::string* text) {
  if (size_hint_ > 0) text->reserve(text->size() + static_cast<size_t>(size_hint_));
  char buffer[1 << 16];
  for (;;) {
    size_t n = 0;
    if (auto error = Read(buffer, sizeof(buffer), &n)) return error;
    if (n == 0) return std::nullopt;
    text->append(buffer, n);
  }
}

}  // namespace coordcheck
