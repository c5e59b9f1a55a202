// cc_disk_writer: the tiny program the disk fault tests crash. It writes DATA to FILE in one
// write(2), then fsyncs what it is told to, prints "written" and waits to be killed.
//
//   cc_disk_writer [--append] [--fsync] [--fsync-dir] FILE DATA
//     --append     open with O_APPEND (else O_TRUNC); the file is created if missing
//     --fsync      fsync the file after the write
//     --fsync-dir  fsync the file's directory after that
// Exit 1 (with a message) if anything fails before "written".
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  bool append = false, sync_file = false, sync_dir = false;
  int i = 1;
  for (; i < argc && std::strncmp(argv[i], "--", 2) == 0; ++i) {
    const std::string a = argv[i];
    if (a == "--append")
      append = true;
    else if (a == "--fsync")
      sync_file = true;
    else if (a == "--fsync-dir")
      sync_dir = true;
    else
      return std::fprintf(stderr, "unknown option %s\n", argv[i]), 2;
  }
  if (argc - i != 2) return std::fprintf(stderr, "usage: cc_disk_writer [opts] FILE DATA\n"), 2;
  const std::string file = argv[i], data = argv[i + 1];
  const int fd = open(file.c_str(), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
  if (fd < 0) return std::perror("open"), 1;
  if (write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    return std::perror("write"), 1;
  }
  if (sync_file && fsync(fd) < 0) return std::perror("fsync"), 1;
  if (sync_dir) {
    const std::string dir = file.substr(0, file.find_last_of('/'));
    const int d = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (d < 0 || fsync(d) < 0) return std::perror("fsync dir"), 1;
  }
  std::printf("written\n");
  std::fflush(stdout);
  while (true) pause();
}
