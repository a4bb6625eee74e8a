#include "study/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace memcosim::study {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

Progress::Progress(Style style, std::ostream& out, long total, long done)
    : style_(style), out_(out), total_(total), skipped_(done), start_(Clock::now()), last_draw_(Clock::now()) {}

std::string Progress::duration(double s) {
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  const long t = std::lround(s);
  char buf[32];
  if (t < 60)
    std::snprintf(buf, sizeof buf, "%lds", t);
  else if (t < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  return buf;
}

double Progress::eta_seconds() const {
  if (finished_ == 0) return -1;
  const auto remaining = static_cast<double>(total_ - skipped_ - finished_);
  if (finished_ >= slots_) return remaining * since(start_) / static_cast<double>(finished_);
  const double mean = job_seconds_ / static_cast<double>(finished_);
  return mean * remaining / static_cast<double>(std::max(1L, slots_));
}

std::string Progress::status_text() const {
  std::string s = std::to_string(skipped_ + finished_) + "/" + std::to_string(total_) + " done";
  if (failed_) s += ", " + std::to_string(failed_) + " failed";
  if (partial_) s += ", " + std::to_string(partial_) + " partial";
  s += ", " + std::to_string(running_) + " running, " + duration(since(start_)) + " elapsed, ETA " +
       (finished_ == 0 ? std::string("?") : duration(eta_seconds()));
  return s;
}

void Progress::draw() {
  const long done = skipped_ + finished_;
  const int width = 24;
  const int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
  out_ << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
       << std::string(static_cast<std::size_t>(width - filled), '-') << "] " << status_text() << "\x1b[K" << std::flush;
  drawn_ = true;
  last_draw_ = Clock::now();
}

void Progress::finished(const JobOutcome& o, const std::string& label) {
  --running_;
  ++finished_;
  job_seconds_ += o.wall_seconds;
  if (o.status == "ok")
    ++ok_;
  else if (o.status == "partial")
    ++partial_;
  else
    ++failed_;
  char wall[32];
  std::snprintf(wall, sizeof wall, "%.1f s", o.wall_seconds);
  switch (style_) {
    case Style::none:
      return;
    case Style::lines: {
      char head[48];
      std::snprintf(head, sizeof head, "[%*ld/%ld] %-7s", static_cast<int>(std::to_string(total_).size()),
                    skipped_ + finished_, total_, o.status.c_str());
      out_ << head << " job " << o.index << " " << label << "  " << wall;
      if (!o.message.empty()) out_ << "  " << o.message;
      out_ << "  (ETA " << (finished_ == 0 ? std::string("?") : duration(eta_seconds())) << ")\n" << std::flush;
      return;
    }
    case Style::bar:
      if (o.status != "ok") {
        out_ << "\r\x1b[K" << o.status << ": job " << o.index << " " << label << ": " << o.message << "\n";
        if (o.status == "failed") out_ << "  log: " << o.log_file << "\n";
      }
      draw();
      return;
  }
}

void Progress::tick() {
  if (style_ == Style::bar && (!drawn_ || since(last_draw_) > 0.25)) draw();
}

void Progress::close() {
  if (style_ == Style::bar && drawn_) {
    draw();
    out_ << "\n" << std::flush;
  }
}

}  // namespace memcosim::study
