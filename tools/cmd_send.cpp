// `tracepipe send`: a few hundred SDK-shaped runs in each wire format, closed
// loop, counting the answers — the smoke test of an ingest endpoint. (The
// open-loop load generator is `tracepipe load`.)
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "loadgen/http_client.hpp"
#include "loadgen/run_factory.hpp"
#include "loadgen/wire_format.hpp"
#include "tools/commands.hpp"

namespace tracepipe::tools {
namespace {

struct send_options {
  std::string target = "http://127.0.0.1:8080";
  int runs = 300;
  std::string format = "all";
  int batch_size = 50;
  std::string api_key;
  std::uint64_t seed = 1;
  int large_every = 0;
  std::size_t large_bytes = 30 * 1024;
};

struct tally {
  int requests = 0;
  int operations = 0;
  std::map<unsigned, int> by_status;
};

int send_format(const send_options& o, const std::string& format, loadgen::run_factory& factory, tally& t) {
  loadgen::http_client client(o.target);
  std::map<std::string, std::string> headers;
  if (!o.api_key.empty()) headers["x-api-key"] = o.api_key;
  auto count = [&](const loadgen::http_answer& a, int ops) {
    ++t.requests;
    t.by_status[a.status]++;
    if (a.status == 202) t.operations += ops;
    else std::cerr << fmt::format("  {} answered {}: {}\n", format, a.status, a.body);
  };
  loadgen::trace_shape shape;
  std::vector<loadgen::generated_run> runs;
  while (static_cast<int>(runs.size()) < o.runs)
    for (auto& r : factory.trace(shape))
      if (static_cast<int>(runs.size()) < o.runs) runs.push_back(std::move(r));
  // Large inputs, like documents handed to a retriever: over the blob threshold.
  for (std::size_t i = 0; o.large_every > 0 && i < runs.size(); i += o.large_every)
    runs[i].inputs_json = R"({"document":")" + std::string(o.large_bytes, 'x') + R"("})";

  for (std::size_t i = 0; i < runs.size(); i += o.batch_size) {
    std::vector<loadgen::generated_run> slice(runs.begin() + i,
                                              runs.begin() + std::min(runs.size(), i + o.batch_size));
    if (format == "single") {
      for (const auto& r : slice) {
        auto json_headers = headers;
        json_headers["content-type"] = "application/json";
        count(client.request("POST", "/runs", r.post_json(), json_headers), 1);
        count(client.request("PATCH", "/runs/" + r.id, r.patch_json(), json_headers), 1);
      }
    } else if (format == "batch") {
      auto h = headers;
      h["content-type"] = "application/json";
      count(client.request("POST", "/runs/batch", loadgen::batch_body(slice, slice), h), 2 * slice.size());
    } else {
      loadgen::multipart_builder mp("tracepipe-" + factory.uuid());
      for (const auto& r : slice) {
        std::vector<loadgen::attachment> files;
        if (r.parent_run_id.empty()) files.push_back({"prompt", "text/plain", "an attachment of " + r.id});
        mp.post(r, files);
        mp.patch(r);
      }
      auto body = mp.finish();
      auto h = headers;
      h["content-type"] = body.content_type();
      count(client.request("POST", "/runs/multipart", body.body, h), 2 * slice.size());
    }
  }
  return 0;
}

}  // namespace

void add_send_command(CLI::App& app, action& run) {
  static send_options o;
  auto* cmd = app.add_subcommand("send", "Send SDK-shaped runs (a post and a patch each) to an ingest endpoint in "
                                         "each wire format and count the answers; exit 1 unless all were 202");
  cmd->add_option("--target", o.target, "Base URL of the ingest API")->capture_default_str();
  cmd->add_option("--runs", o.runs, "Runs per wire format")->capture_default_str()->check(CLI::Range(1, 10'000'000));
  cmd->add_option("--format", o.format, "Wire format")
      ->capture_default_str()
      ->check(CLI::IsMember({"all", "single", "batch", "multipart"}));
  cmd->add_option("--batch-size", o.batch_size, "Runs per batch or multipart request")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--api-key", o.api_key, "Sent as x-api-key")->envname("TRACEPIPE_API_KEY");
  cmd->add_option("--seed", o.seed, "Seed of the generated runs")->capture_default_str();
  cmd->add_option("--large-every", o.large_every, "Every Nth run gets large inputs (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  cmd->add_option("--large-bytes", o.large_bytes, "Size of those large inputs, bytes")
      ->capture_default_str()
      ->check(CLI::Range(1, 20 << 20));
  cmd->callback([&run] {
    run = [] {
      loadgen::run_factory factory(o.seed);
      std::vector<std::string> formats =
          o.format == "all" ? std::vector<std::string>{"single", "batch", "multipart"} : std::vector{o.format};
      bool all_ok = true;
      for (const auto& f : formats) {
        tally t;
        send_format(o, f, factory, t);
        std::string statuses;
        for (auto [s, n] : t.by_status) statuses += fmt::format(" {}×{}", n, s);
        std::cout << fmt::format("{:<10} runs {:>6}  requests {:>6}  operations accepted {:>6} (posts+patches)  answers:{}\n",
                                 f, o.runs, t.requests, t.operations, statuses);
        all_ok = all_ok && t.by_status.size() == 1 && t.by_status.count(202);
      }
      return all_ok ? 0 : 1;
    };
  });
}

}  // namespace tracepipe::tools
