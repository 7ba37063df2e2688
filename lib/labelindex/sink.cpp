#include "labelindex/sink.hpp"

#include <algorithm>

namespace dflow::labelindex {

DvidSink::DvidSink(const std::string& server, const std::string& uuid, const std::string& instance, int workers,
                   const std::string& query) {
  for (int i = 0; i < std::max(workers, 1); ++i) {
    clients_.push_back(std::make_unique<dvid::Client>(server));
    clients_.back()->set_default_query(query);
  }
  mapping_client_ = std::make_unique<dvid::Client>(server);
  mapping_client_->set_default_query(query);
  dvid::Labelmap lm(*clients_[0], uuid, instance);
  indices_path_ = lm.path("indices");
  mappings_path_ = lm.path("mappings");
}

DvidSink::~DvidSink() = default;

void DvidSink::post_indices(int worker, const std::string& wire, size_t) {
  clients_.at(size_t(worker))->post(indices_path_, std::as_bytes(std::span(wire.data(), wire.size())));
}

void DvidSink::post_mappings(int, const std::string& wire, size_t) {
  // Mapping ops enter DVID's mutation log: never repeated blindly within a run. A batch whose
  // outcome is unknown is not recorded as posted, so the next run posts it once more.
  mapping_client_->post(mappings_path_, std::as_bytes(std::span(wire.data(), wire.size())), "application/octet-stream",
                        dvid::Replay::unsafe);
}

}  // namespace dflow::labelindex
