#include "common/metrics.h"

#include <cstdio>

namespace vigil {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

double Histogram::Sum() const { return sum_micros_.load(std::memory_order_relaxed) / 1e6; }

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

Counter& CounterFamily::With(const std::vector<std::string>& values) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = series_[values];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

void CounterFamily::Render(std::string* out) const {
  *out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, counter] : series_) {
    *out += name_ + "{";
    for (size_t i = 0; i < labels_.size() && i < values.size(); ++i) {
      if (i) *out += ",";
      *out += labels_[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
    }
    *out += "} " + std::to_string(counter->Get()) + "\n";
  }
}

Counter& MetricsRegistry::AddCounter(const std::string& name, const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->counter = std::make_unique<Counter>();
  auto& ref = *e->counter;
  entries_.push_back(std::move(e));
  return ref;
}

Gauge& MetricsRegistry::AddGauge(const std::string& name, const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->gauge = std::make_unique<Gauge>();
  auto& ref = *e->gauge;
  entries_.push_back(std::move(e));
  return ref;
}

Histogram& MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                         std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->histogram = std::make_unique<Histogram>(std::move(bounds));
  auto& ref = *e->histogram;
  entries_.push_back(std::move(e));
  return ref;
}

CounterFamily& MetricsRegistry::AddCounterFamily(const std::string& name, const std::string& help,
                                                 std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->family = std::make_unique<CounterFamily>(name, help, std::move(labels));
  auto& ref = *e->family;
  entries_.push_back(std::move(e));
  return ref;
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  char buf[64];
  for (const auto& e : entries_) {
    if (e->family) {
      e->family->Render(&out);
      continue;
    }
    out += "# HELP " + e->name + " " + e->help + "\n";
    if (e->counter) {
      out += "# TYPE " + e->name + " counter\n" + e->name + " " + std::to_string(e->counter->Get()) + "\n";
    } else if (e->gauge) {
      out += "# TYPE " + e->name + " gauge\n" + e->name + " " + std::to_string(e->gauge->Get()) + "\n";
    } else if (e->histogram) {
      const Histogram& h = *e->histogram;
      out += "# TYPE " + e->name + " histogram\n";
      uint64_t cum = 0;
      for (size_t i = 0; i < h.bounds().size(); ++i) {
        cum += h.BucketCount(i);
        snprintf(buf, sizeof buf, "%g", h.bounds()[i]);
        out += e->name + "_bucket{le=\"" + buf + "\"} " + std::to_string(cum) + "\n";
      }
      cum += h.BucketCount(h.bounds().size());
      out += e->name + "_bucket{le=\"+Inf\"} " + std::to_string(cum) + "\n";
      snprintf(buf, sizeof buf, "%.6f", h.Sum());
      out += e->name + "_sum " + buf + "\n";
      out += e->name + "_count " + std::to_string(h.Count()) + "\n";
    }
  }
  return out;
}

}  // namespace vigil
