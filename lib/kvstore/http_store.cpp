// HttpStore: the client pool and the upload queue of the bucket stores.
#include <algorithm>

#include "core/error.hpp"
#include "kvstore/stores.hpp"

namespace dflow::kv {

HttpStore::HttpStore(std::string server, std::string service, Options options)
    : server_(std::move(server)), service_(std::move(service)), options_(std::move(options)) {
  options_.parallel_requests = std::max(1, options_.parallel_requests);
}

HttpStore::~HttpStore() { stop_uploads(); }

HttpStore::Lease::~Lease() {
  if (!c_) return;
  std::lock_guard lock(store_->pool_mu_);
  store_->pool_.push_back(std::move(c_));
}

HttpStore::Lease HttpStore::client() const {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto c = std::move(pool_.back());
      pool_.pop_back();
      return Lease(*this, std::move(c));
    }
  }
  auto c = std::make_unique<http::Client>(server_, options_.retry);
  c->set_service(service_);
  return Lease(*this, std::move(c));
}

void HttpStore::put(const std::string& key, std::span<const std::byte> data, const PutOptions& options) {
  // Up to ~parallel x part size bytes wait in the queue (at least one object, however large).
  const size_t max_queued = size_t(options_.parallel_requests) * size_t(std::max<int64_t>(options_.part_bytes, 1 << 20));
  std::unique_lock lock(mu_);
  if (threads_.empty())
    for (int i = 0; i < options_.parallel_requests; ++i) threads_.emplace_back([this] { upload_loop(); });
  cv_space_.wait(lock, [&] { return stop_ || !error_.empty() || queue_.empty() || queued_bytes_ + data.size() <= max_queued; });
  if (!error_.empty() || stop_) return;  // flush() reports the failure
  queue_.push_back({key, std::vector<std::byte>(data.begin(), data.end()), options});
  queued_bytes_ += data.size();
  cv_work_.notify_one();
}

void HttpStore::flush() {
  std::unique_lock lock(mu_);
  cv_idle_.wait(lock, [&] { return (queue_.empty() && busy_ == 0) || !error_.empty(); });
  // After a failure, wait for the uploads in flight before reporting it, so none outlives the call.
  cv_idle_.wait(lock, [&] { return busy_ == 0; });
  if (!error_.empty()) {
    std::string e = std::move(error_);
    error_.clear();
    queue_.clear();
    queued_bytes_ = 0;
    cv_space_.notify_all();
    throw Error(e);
  }
}

void HttpStore::upload_loop() {
  auto lease = client();
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= job.data.size();
      ++busy_;
      cv_space_.notify_all();
    }
    std::string problem;
    try {
      put_now(*lease, job.key, job.data, job.options);
    } catch (const std::exception& e) {
      problem = e.what();
    }
    std::lock_guard lock(mu_);
    --busy_;
    if (!problem.empty() && error_.empty()) {
      error_ = std::move(problem);
      // Later objects would only fail the same way: drop them; the run is resumed as a whole.
      queued_bytes_ = 0;
      queue_.clear();
    }
    cv_idle_.notify_all();
    cv_space_.notify_all();
  }
}

void HttpStore::stop_uploads() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  cv_space_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace dflow::kv
