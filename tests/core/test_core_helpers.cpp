// lib/core's one-per-job helpers: the duration formatter and the bounded queue.
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "core/bounded_queue.hpp"
#include "core/duration.hpp"

using namespace dflow;

TEST_CASE("durations as H:MM:SS, unknown ones as ?") {
  CHECK(format_duration(0) == "0:00:00");
  CHECK(format_duration(59.6) == "0:01:00");
  CHECK(format_duration(3725.4) == "1:02:05");
  CHECK(format_duration(3 * 3600 + 5 * 60 + 7) == "3:05:07");
  CHECK(format_duration(100 * 3600) == "100:00:00");
  CHECK(format_duration(-0.2) == "0:00:00");  // rounding noise
  CHECK(format_duration(-1) == "?");
  CHECK(format_duration(std::nan("")) == "?");
  CHECK(format_duration(INFINITY) == "?");
}

TEST_CASE("bounded queue: capacity bounds the producer, close drains, cancel drops") {
  BoundedQueue<int> q(2);
  std::atomic<int> pushed{0};
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) {
      REQUIRE(q.push(int(i)));
      ++pushed;
    }
    q.close();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(pushed.load() <= 2);  // blocked on the full queue
  std::vector<int> got;
  while (auto v = q.pop()) got.push_back(*v);
  producer.join();
  REQUIRE(got.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(got[size_t(i)] == i);
  CHECK_FALSE(q.push(7));  // closed

  BoundedQueue<int> c(4);
  REQUIRE(c.push(1));
  REQUIRE(c.push(2));
  std::thread waiter([&] {
    BoundedQueue<int> empty(1);
    std::thread t([&] { CHECK_FALSE(empty.pop().has_value()); });
    empty.cancel();
    t.join();
  });
  waiter.join();
  c.cancel();
  CHECK_FALSE(c.pop().has_value());  // what was queued is dropped
}
