#include "lab/phase_controller.hpp"

#include <iostream>
#include <stdexcept>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "stack/stack.hpp"

namespace tracepipe::lab {

using clock_type = std::chrono::steady_clock;

void apply_setting(config::settings& s, const lab::setting& kv) {
  if (kv.first == "worker.pipelines" && kv.second == "0") {
    s.worker.pipelines = 0;
    return;
  }
  if (auto problem = config::find_key(kv.first)->apply(s, kv.second))  // checked when the file was read
    throw std::runtime_error(fmt::format("{}: {}", kv.first, *problem));
}

phase_controller::phase_controller(const lab::scenario& sc, local_write_path& path, config::settings workers,
                                   std::string stack_dir, bool stack_actions)
    : sc_(sc), path_(path), workers_(std::move(workers)), first_pipelines_(workers_.worker.pipelines),
      stack_dir_(std::move(stack_dir)), stack_actions_(stack_actions) {}

phase_controller::~phase_controller() {
  finish();
  lift_limits(true);
}

void phase_controller::lift_restarting_limits() { lift_limits(true); }

void phase_controller::lift_limits(bool restarting) {
  for (auto it = limited_.begin(); it != limited_.end();) {
    // Named, not a structured binding: clang 14 cannot capture those in the lambda below.
    const std::string& component = it->second.first;
    const stack::limit& held = it->second.second;
    if ((held.what == stack::limit::resource::merges) != restarting) {
      ++it;
      continue;
    }
    auto lifted = held.lifted();
    restore(fmt::format("throttle {} {}", component, lifted.describe()),
            [&] { stack::apply_limit(stack_dir_, component, lifted, std::cerr); });
    it = limited_.erase(it);
  }
}

void phase_controller::apply_first() { apply_phase(0, 0); }

void phase_controller::begin(clock_type::time_point start) {
  thread_ = std::thread([this, start] {
    double at = std::chrono::duration<double>(sc_.phases[0].duration()).count();
    for (std::size_t i = 1; i < sc_.phases.size(); ++i) {
      auto due = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(at));
      std::unique_lock lock(mutex_);
      if (wake_.wait_until(lock, due, [this] { return done_; })) return;
      lock.unlock();
      apply_phase(i, std::chrono::duration<double>(clock_type::now() - start).count());
      at += std::chrono::duration<double>(sc_.phases[i].duration()).count();
    }
  });
}

void phase_controller::finish() {
  {
    std::lock_guard lock(mutex_);
    if (done_ && !thread_.joinable()) return;
    done_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Servers first: restarted workers wait for ClickHouse and Redis.
  for (const auto& c : paused_)
    restore("resume " + c, [&] { stack::pause_component(stack_dir_, c, false, std::cerr); });
  for (const auto& c : stopped_) restore("start " + c, [&] { stack::start_component(stack_dir_, c, std::cerr); });
  lift_limits(false);
  paused_.clear();
  stopped_.clear();
  if (workers_.worker.pipelines == 0 && first_pipelines_ > 0) {
    workers_.worker.pipelines = first_pipelines_;
    restore(fmt::format("workers worker.pipelines={}", first_pipelines_), [&] { path_.restart_workers(workers_); });
  }
}

std::vector<applied_action> phase_controller::log() const {
  std::lock_guard lock(log_mutex_);
  return log_;
}

void phase_controller::apply_phase(std::size_t i, double at_s) {
  const auto& phase = sc_.phases[i];
  for (const auto& a : phase.actions) {
    applied_action rec{phase.name, a.describe(), a.line, at_s, "applied", ""};
    std::cerr << fmt::format("tracepipe scenario: phase {} at {:.1f} s: {}\n", phase.name, at_s, rec.action);
    try {
      if (a.what == lab::scenario_action::kind::workers) {
        for (const auto& kv : a.settings) apply_setting(workers_, kv);
        path_.restart_workers(workers_);
      } else if (!stack_actions_) {
        rec.status = "skipped";
        rec.note = "the servers are not this machine's local stack (--skip-stack-actions)";
      } else {
        component_action(a);
      }
    } catch (const std::exception& e) {
      rec.status = "failed";
      rec.note = e.what();
      std::cerr << fmt::format("tracepipe scenario: {} failed: {}\n", rec.action, e.what());
    }
    record(std::move(rec));
  }
}

void phase_controller::component_action(const lab::scenario_action& a) {
  const auto& c = a.component;
  if (a.what == lab::scenario_action::kind::throttle) {
    stack::apply_limit(stack_dir_, c, a.limit, std::cerr);
    auto key = c + " " + a.limit.lifted().describe();
    if (a.limit.describe() == a.limit.lifted().describe()) limited_.erase(key);
    else limited_[key] = {c, a.limit};
    return;
  }
  if (a.verb == "pause") {
    stack::pause_component(stack_dir_, c, true, std::cerr);
    paused_.insert(c);
  } else if (a.verb == "resume") {
    stack::pause_component(stack_dir_, c, false, std::cerr);
    paused_.erase(c);
  } else if (a.verb == "stop" || a.verb == "kill") {
    if (a.verb == "stop") stack::stop_component(stack_dir_, c, std::cerr);
    else stack::kill_component(stack_dir_, c, std::cerr);
    paused_.erase(c);
    stopped_.insert(c);
  } else {
    stack::start_component(stack_dir_, c, std::cerr);
    stopped_.erase(c);
  }
}

template <class Fn>
void phase_controller::restore(std::string action, Fn fn) {
  applied_action rec{"(end)", std::move(action), 0, 0, "applied", "left so by the scenario; brought back at its end"};
  std::cerr << fmt::format("tracepipe scenario: end of the load: {}\n", rec.action);
  try {
    fn();
  } catch (const std::exception& e) {
    rec.status = "failed";
    rec.note = e.what();
  }
  record(std::move(rec));
}

void phase_controller::record(applied_action rec) {
  std::lock_guard lock(log_mutex_);
  log_.push_back(std::move(rec));
}

}  // namespace tracepipe::lab
