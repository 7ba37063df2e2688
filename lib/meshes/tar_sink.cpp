#include "meshes/tar_sink.hpp"

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "dvid/keyvalue.hpp"
#include "dvid/tarsupervoxels.hpp"

namespace dflow::meshes {

std::string TarTarget::describe() const {
  return directory.empty() ? fmt::format("{}/api/node/{}/{}", server, uuid, instance) : directory.string();
}

namespace {
// Per key in a KeyValues protobuf: the value, the key and a few bytes of framing.
size_t kv_record_bytes(const std::string& key, size_t value) { return key.size() + value + 16; }
}  // namespace

TarSink::TarSink(TarTarget target, std::string extension, size_t max_tar_bytes, mpi::Journal& journal)
    : target_(std::move(target)), ext_(std::move(extension)), max_bytes_(max_tar_bytes), journal_(journal) {
  if (!target_.directory.empty()) fs::create_directories(target_.directory);
  if (const char* v = std::getenv("DFLOW_FAIL_AFTER_TARS"); v && *v) fail_after_ = std::stoll(v);
}

TarSink::~TarSink() {
  try {
    if (in_flight_.valid()) in_flight_.wait();
  } catch (...) {
  }
}

void TarSink::add(uint64_t sv, const std::string& bytes) {
  const std::string name = fmt::format("{}.{}", sv, ext_);
  if (target_.keyvalue) {
    if (!pending_.empty() && kv_bytes_ + kv_record_bytes(name, bytes.size()) > max_bytes_) start_store();
    kv_bytes_ += kv_record_bytes(name, bytes.size());
    kv_batch_.emplace_back(name, bytes);
  } else {
    // A mesh that would push the tar over the bound goes into the next one (alone if it is that big).
    if (!pending_.empty() && writer_.size_when_finished() + tar::member_bytes(bytes.size()) > max_bytes_) start_store();
    writer_.add(name, std::as_bytes(std::span(bytes.data(), bytes.size())));
  }
  pending_.push_back(sv);
  ++counts_.meshes;
  counts_.bytes += bytes.size();
  counts_.empty_meshes += bytes.empty();
}

void TarSink::wait() {
  if (in_flight_.valid()) in_flight_.get();
}

void TarSink::start_store() {
  if (pending_.empty()) return;
  wait();  // one store in flight at a time: bounded memory, journal lines in order
  if (fail_after_ >= 0 && counts_.tars >= uint64_t(fail_after_))
    fail("sv-meshes: DFLOW_FAIL_AFTER_TARS={}: simulated failure after {} tars (test hook)", fail_after_, counts_.tars);
  auto archive = std::make_shared<std::vector<std::byte>>(target_.keyvalue ? std::vector<std::byte>{} : writer_.finish());
  auto pairs = std::make_shared<std::vector<std::pair<std::string, std::string>>>(std::move(kv_batch_));
  kv_batch_.clear();
  kv_bytes_ = 0;
  auto svs = std::make_shared<std::vector<uint64_t>>(std::move(pending_));
  pending_.clear();
  ++counts_.tars;
  in_flight_ = std::async(std::launch::async, [this, archive, pairs, svs] {
    const auto t0 = std::chrono::steady_clock::now();
    if (target_.keyvalue) {
      if (!client_) client_ = std::make_unique<dvid::Client>(target_.server, target_.retry);
      dvid::Keyvalue kv(*client_, target_.uuid, target_.instance);
      std::vector<std::pair<std::string, std::span<const std::byte>>> view;
      for (const auto& [k, v] : *pairs) view.emplace_back(k, std::as_bytes(std::span(v.data(), v.size())));
      try {
        kv.put_many(view);
      } catch (const Error& e) {
        fail("sv-meshes: storing {} meshes (ids {}..{}): {}", svs->size(), svs->front(), svs->back(), e.what());
      }
    } else if (target_.directory.empty()) {
      if (!client_) client_ = std::make_unique<dvid::Client>(target_.server, target_.retry);
      dvid::Tarsupervoxels tsv(*client_, target_.uuid, target_.instance);
      try {
        tsv.load(*archive);
      } catch (const Error& e) {
        fail("sv-meshes: uploading {} meshes (supervoxels {}..{}, {} bytes): {}", svs->size(), svs->front(), svs->back(),
             archive->size(), e.what());
      }
    } else {
      write_file_durable(target_.directory / fmt::format("meshes-{}.tar", svs->front()), *archive);
    }
    // Only one store is in flight and counts() is read after wait(): no race on the sum.
    counts_.store_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    journal_.record_many(*svs);
  });
}

void TarSink::finish() {
  start_store();
  wait();
}

}  // namespace dflow::meshes
