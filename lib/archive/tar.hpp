#pragma once
// Flat tar archives (POSIX ustar), the container DVID's tarsupervoxels speaks: POST .../load takes a
// tar of `<sv>.<ext>` members, GET .../tarfile/{body} returns one (written by Go's archive/tar).
//
// Writer: regular-file members only, no directories, every header field deterministic (mode 0644,
// uid/gid 0, mtime 0, empty user/group names), so the same members give the same bytes on any rank.
// Names must fit ustar's 100-byte name field (supervoxel names are at most 20 digits + extension).
// Sizes up to 8 GiB - 1 use the 11-digit octal field; larger members use the GNU/star base-256 form,
// which Python's tarfile and Go's archive/tar both read.
//
// Reader: ustar, old v7 and GNU headers, PAX extended headers (`path`, `size` records) and GNU
// long names ('L'), as Go's writer falls back to them for long names or large sizes. A truncated
// archive or a bad header checksum is an error naming the member and offset.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dflow::tar {

inline constexpr size_t kBlock = 512;

// Bytes a member of `size` bytes adds to an archive (header + data padded to 512).
constexpr size_t member_bytes(size_t size) { return kBlock + (size + kBlock - 1) / kBlock * kBlock; }
// The end-of-archive marker: two zero blocks.
inline constexpr size_t kTrailerBytes = 2 * kBlock;

class Writer {
 public:
  // Appends one regular file. Throws dflow::Error if the name is empty, longer than 100 bytes or
  // contains a NUL.
  void add(const std::string& name, std::span<const std::byte> data);
  // Bytes so far (members only) and after finish().
  size_t size() const { return out_.size(); }
  size_t size_when_finished() const { return out_.size() + kTrailerBytes; }
  size_t members() const { return members_; }
  // Appends the trailer and hands the archive over; the writer is empty again afterwards.
  std::vector<std::byte> finish();

 private:
  std::vector<std::byte> out_;
  size_t members_ = 0;
};

struct Entry {
  std::string name;
  char type = '0';  // '0' regular file (also for v7's '\0'), '5' directory, ...
  std::span<const std::byte> data;  // view into the archive passed to read()
};

// Every member of `archive`, in order (PAX/GNU meta members are applied, not listed). `what` names
// the archive in errors (e.g. the URL it came from).
std::vector<Entry> read(std::span<const std::byte> archive, const std::string& what = "tar");

}  // namespace dflow::tar
