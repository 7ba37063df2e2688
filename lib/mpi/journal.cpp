#include "mpi/journal.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <regex>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "mpi/gather.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::mpi {

namespace {

std::string header_line(const std::string& stage, const std::string& signature) {
  return fmt::format("# dvidflow journal: {} {}\n", stage, signature);
}

// The complete lines of a journal (a trailing line without '\n' is dropped), and the byte length
// they cover.
struct Lines {
  std::vector<std::string> lines;
  size_t complete_bytes = 0;
};

Lines complete_lines(const std::string& text) {
  Lines out;
  size_t pos = 0;
  while (true) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    out.lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  out.complete_bytes = pos;
  return out;
}

}  // namespace

fs::path journal_path(const fs::path& exec_dir, const std::string& stage, int rank) {
  return exec_dir / "journal" / fmt::format("{}.rank{}.txt", stage, rank);
}

std::vector<uint64_t> read_journals(const fs::path& exec_dir, const std::string& stage, const std::string& signature,
                                    std::vector<uint64_t>* lines_out) {
  const fs::path dir = exec_dir / "journal";
  std::vector<uint64_t> ids;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return ids;
  const std::regex name_re(std::regex_replace(stage, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") + R"(\.rank\d+\.txt)");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (std::regex_match(e.path().filename().string(), name_re)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const std::string header = header_line(stage, signature);
  const std::string expected = header.substr(0, header.size() - 1);
  for (const fs::path& f : files) {
    const Lines l = complete_lines(read_text(f));
    if (l.lines.empty()) continue;  // created, header not yet written
    if (l.lines[0] != expected)
      fail("{}: journal was written for a different run (\"{}\", this run is \"{}\"); remove the journal directory "
           "to start over",
           f.string(), l.lines[0], expected);
    for (size_t i = 1; i < l.lines.size(); ++i) {
      const std::string& s = l.lines[i];
      uint64_t id = 0;
      const auto [p, err] = std::from_chars(s.data(), s.data() + s.size(), id);
      if (s.empty() || err != std::errc() || p != s.data() + s.size())
        fail("{}: line {}: not a brick id: \"{}\"", f.string(), i + 1, s);
      ids.push_back(id);
    }
  }
  if (lines_out) *lines_out = ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Journal::Journal(MPI_Comm comm, const fs::path& exec_dir, std::string stage, std::string signature) {
  int rank = 0;
  check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  if (rank == 0) done_ = read_journals(exec_dir, stage, signature);
  broadcast(comm, done_, 0);

  path_ = journal_path(exec_dir, stage, rank);
  std::error_code ec;
  fs::create_directories(path_.parent_path(), ec);
  if (ec) fail("{}: cannot create directory: {}", path_.parent_path().string(), ec.message());
  // Only this rank ever writes this file, so trimming a torn last line (from a killed earlier run)
  // is safe; rank 0 already ignored it above.
  const auto existing = read_file_if_exists(path_);
  const std::string text = existing ? std::string(reinterpret_cast<const char*>(existing->data()), existing->size()) : "";
  const Lines l = complete_lines(text);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("{}: cannot open journal: {}", path_.string(), std::strerror(errno));
  const bool fresh = l.lines.empty();
  if (::ftruncate(fd_, static_cast<off_t>(fresh ? 0 : l.complete_bytes)) != 0 ||
      ::lseek(fd_, 0, SEEK_END) < 0)
    fail("{}: cannot prepare journal: {}", path_.string(), std::strerror(errno));
  if (fresh) {
    const std::string h = header_line(stage, signature);
    if (::write(fd_, h.data(), h.size()) != static_cast<ssize_t>(h.size()) || ::fsync(fd_) != 0)
      fail("{}: cannot write journal: {}", path_.string(), std::strerror(errno));
  }
  // Nobody may start appending before rank 0 has read every file.
  check(MPI_Barrier(comm), "MPI_Barrier (journal)");
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

bool Journal::is_done(uint64_t id) const { return std::binary_search(done_.begin(), done_.end(), id); }

void Journal::record(uint64_t id) {
  const std::string line = fmt::format("{}\n", id);
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    fail("{}: cannot append to journal: {}", path_.string(), std::strerror(errno));
  if (::fsync(fd_) != 0) fail("{}: cannot fsync journal: {}", path_.string(), std::strerror(errno));
}

void Journal::record_many(const std::vector<uint64_t>& ids) {
  if (ids.empty()) return;
  std::string text;
  for (uint64_t id : ids) text += fmt::format("{}\n", id);
  if (::write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    fail("{}: cannot append to journal: {}", path_.string(), std::strerror(errno));
  if (::fsync(fd_) != 0) fail("{}: cannot fsync journal: {}", path_.string(), std::strerror(errno));
}

}  // namespace dflow::mpi
