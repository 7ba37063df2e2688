// The cleave-server command line: the reference's options (neuclease_cleave_server), then serve.
#include "cleave/server_cli.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include <pthread.h>

#include "cleave/build.hpp"
#include "cleave/http_server.hpp"
#include "core/cli_values.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace dflow::cleave {
namespace fs = std::filesystem;
namespace {

constexpr const char* kHelp = R"(usage: cleave-server --merge-table TABLE --primary-dvid-server HOST:PORT
                     --primary-labelmap-instance NAME [options]

Answers neu3's cleave requests (POST /compute-cleave) from the table of internal edges and the
bodies' current supervoxels in DVID. Same endpoints, request and reply as neuclease's cleave server,
plus GET /health and an HTML status page at /.

  --merge-table FILE          the cleave table written by construct-cleave-table (memory-mapped;
                              opens in milliseconds). A reference edge table (.npy of
                              MERGE_TABLE_DTYPE or .csv) is accepted with --mapping-file: the cleave
                              table is then built first, into --log-dir.
  --mapping-file FILE         sv,body mapping (.csv or .npy) for a .npy/.csv --merge-table
  -p, --port N                HTTP port (default 5555)
  --host ADDR                 address to listen on (default 0.0.0.0, as the reference)
  --primary-dvid-server HOST:PORT   the DVID server (required; reported by /primary-uuid requests)
  --primary-uuid UUID         reported by GET /primary-uuid (POST /primary-uuid changes it)
  --primary-labelmap-instance NAME  the labelmap instance (required)
  --log-dir DIR               the log file <DIR>/<table name>.log (default: the table's directory)
  --threads N                 requests answered concurrently (default 32)
  --dvid-timeout SECONDS      per DVID request (default 30); a timeout answers 504
  --default-method NAME       seeded-mst (default), seeded-watershed, agglomerative-clustering, echo-seeds
  --suspend-before-launch     stop (SIGSTOP) after loading, before listening; resume with kill -CONT
  --help                      this text

Accepted for the reference's command line and ignored: --max-cached-bodies N (nothing to cache: a
body's edges are read from the memory-mapped table), --disable-extra-edge-cache, --debug-export-dir
DIR, --testing, --skip-focused-merge-update, --skip-split-sv-update, --initialization-dvid-server,
--initialization-uuid, --initialization-labelmap-instance, --primary-kafka-log.
)";

struct Args {
  fs::path table, mapping, log_dir;
  std::string dvid_server, primary_uuid, instance, host = "0.0.0.0", default_method = "seeded-mst";
  int port = 5555, threads = 32, dvid_timeout = 30;
  bool suspend = false;
  std::vector<std::string> ignored;
};

Args parse(int argc, char** argv) {
  Args a;
  OptionCursor cur(argc, argv);
  while (cur.next()) {
    const std::string opt = cur.name();
    const auto value = [&] { return cur.value(); };
    if (opt == "--merge-table") a.table = value();
    else if (opt == "--mapping-file") a.mapping = value();
    else if (opt == "-p" || opt == "--port") a.port = int(std::clamp<uint64_t>(parse_uint_option(opt, value()), 0, 65535));
    else if (opt == "--host") a.host = value();
    else if (opt == "--primary-dvid-server") a.dvid_server = value();
    else if (opt == "--primary-uuid") a.primary_uuid = value();
    else if (opt == "--primary-labelmap-instance") a.instance = value();
    else if (opt == "--log-dir") a.log_dir = value();
    else if (opt == "--threads") a.threads = int(std::clamp<uint64_t>(parse_uint_option(opt, value()), 1, 1024));
    else if (opt == "--dvid-timeout") a.dvid_timeout = int(std::clamp<uint64_t>(parse_uint_option(opt, value()), 1, 3600));
    else if (opt == "--default-method") a.default_method = value();
    else if (opt == "--suspend-before-launch") a.suspend = true;
    else if (opt == "--bigquery-table") fail("--bigquery-table is not supported: build a table with construct-cleave-table");
    else if (opt == "--max-cached-bodies" || opt == "--debug-export-dir" || opt == "--initialization-dvid-server" ||
             opt == "--initialization-uuid" || opt == "--initialization-labelmap-instance" || opt == "--primary-kafka-log")
      a.ignored.push_back(opt + " " + value());
    else if (opt == "--disable-extra-edge-cache" || opt == "--testing" || opt == "--skip-focused-merge-update" || opt == "--skip-split-sv-update")
      a.ignored.push_back(opt);
    else fail("unknown argument {} (see --help)", opt);
  }
  if (a.table.empty()) fail("--merge-table is required (see --help)");
  if (a.dvid_server.empty()) fail("--primary-dvid-server is required (see --help)");
  if (a.instance.empty()) fail("--primary-labelmap-instance is required (see --help)");
  if (!parse_method(a.default_method)) fail("--default-method {}: unknown method", a.default_method);
  return a;
}

}  // namespace

int cleave_server_main(int argc, char** argv) {
  log::set_source("cleave-server");
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::cout << kHelp;
      return 0;
    }
  try {
    const Args a = parse(argc, argv);
    if (!fs::exists(a.table)) fail("Merge table not found: {}", a.table.string());
    const fs::path log_dir = a.log_dir.empty() ? fs::absolute(a.table).parent_path() : fs::path(a.log_dir);
    fs::create_directories(log_dir);
    const fs::path log_file = log_dir / (a.table.stem().string() + ".log");
    log::add_file(log_file);
    std::string command;
    for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
    log::info("Server started with command: {}", command);
    for (const auto& ig : a.ignored) log::info("ignored (reference option without effect here): {}", ig);

    fs::path table_path = a.table;
    if (a.table.extension() == ".npy" || a.table.extension() == ".csv") {
      if (a.mapping.empty()) fail("--merge-table {} is an edge table: give --mapping-file too, or build a table with construct-cleave-table", a.table.string());
      BuildOptions b;
      b.edges = a.table;
      b.mapping = a.mapping;
      b.output = log_dir / (a.table.stem().string() + ".cleave-table");
      build_cleave_table(b);
      table_path = b.output;
    }
    const CleaveTable table(table_path);
    log::info("{}: {} bodies, {} internal edges, {} supervoxels", table_path.string(), table.header().bodies, table.header().edges,
              table.header().svs);
    if (a.suspend) {
      log::info("Suspending process. Please use 'kill -CONT {}' to resume app startup.", ::getpid());
      ::raise(SIGSTOP);
      log::info("Process resumed.");
    }

    RecentLog recent;
    RequestStats stats;
    ServiceOptions so;
    so.primary_uuid = a.primary_uuid;
    so.default_method = *parse_method(a.default_method);
    so.timeouts.request = std::chrono::seconds(a.dvid_timeout);
    CleaveService service(table, so, recent);
    HttpOptions ho;
    ho.host = a.host;
    ho.port = a.port;
    ho.threads = a.threads;
    ho.log_file = log_file;
    ho.command_line = command;

    // SIGINT/SIGTERM stop the server from a thread of its own (stop() is not async-signal-safe).
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    HttpServer server(service, table, stats, recent, ho);
    server.bind();
    std::thread waiter([&] {
      int sig = 0;
      sigwait(&stop_signals, &sig);
      log::info("signal {}: stopping", sig);
      server.stop();
    });
    recent.write(log::Level::info, fmt::format("Cleave server listening on http://{}:{} ({} workers, DVID {} instance {})", a.host,
                                               server.port(), a.threads, a.dvid_server, a.instance));
    server.serve();
    pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if serve() ended by itself
    waiter.join();
    return 0;
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    return 1;
  }
}

}  // namespace dflow::cleave
