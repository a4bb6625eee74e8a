#include "spice/rawfile.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "spice/text.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

namespace memcosim::spice {

namespace {

using text::lower;
using text::trim;

InputError located(const std::string& file, int line, const std::string& message) {
  Diagnostic d;
  d.where.file = file;
  d.where.line = line;
  d.message = message;
  return InputError(std::move(d));
}

class RawReader {
 public:
  RawReader(std::string_view data, std::string source) : data_(data), source_(std::move(source)) {}

  std::vector<Plot> read() {
    std::vector<Plot> plots;
    while (auto plot = read_plot()) plots.push_back(std::move(*plot));
    if (plots.empty()) throw error("no plot found");
    return plots;
  }

 private:
  InputError error(const std::string& message) const { return located(source_, where_, message); }

  std::optional<std::string_view> next_line() {
    if (pos_ >= data_.size()) return std::nullopt;
    auto end = data_.find('\n', pos_);
    if (end == std::string_view::npos) end = data_.size();
    const std::string_view line = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    where_ = line_++;
    return line;
  }

  static long parse_count(std::string_view text) {
    text = trim(text);
    long value = -1;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    return res.ec == std::errc() ? value : -1;
  }

  std::optional<Plot> read_plot() {
    Plot plot;
    bool complex = false;
    long nvars = -1, npoints = -1;
    bool any_key = false;
    for (;;) {
      const auto line = next_line();
      if (!line) {
        if (!any_key) return std::nullopt;
        throw error("file ends inside a plot header");
      }
      if (trim(*line).empty()) continue;
      const auto colon = line->find(':');
      if (colon == std::string_view::npos) throw error("expected 'Key: value' in the header");
      any_key = true;
      const std::string key = lower(trim(line->substr(0, colon)));
      const std::string_view value = trim(line->substr(colon + 1));
      if (key == "title")
        plot.title = value;
      else if (key == "plotname")
        plot.kind = value;
      else if (key == "flags")
        complex = lower(value).find("complex") != std::string::npos;
      else if (key == "no. variables")
        nvars = parse_count(value);
      else if (key == "no. points")
        npoints = parse_count(value);
      else if (key == "variables")
        break;
      // Date, Command, Option: not needed
    }
    if (nvars < 1) throw error("missing or bad 'No. Variables'");
    if (npoints < 0) throw error("missing or bad 'No. Points'");

    for (long i = 0; i < nvars; ++i) {
      const auto line = next_line();
      if (!line) throw error("file ends inside the variable list");
      std::istringstream fields{std::string(*line)};
      long index = -1;
      Vector v;
      if (!(fields >> index >> v.name >> v.type) || index != i)
        throw error("expected variable " + std::to_string(i) + " as 'index name type'");
      v.is_complex = complex;
      plot.vectors.push_back(std::move(v));
    }

    const auto marker = next_line();
    const std::string m = marker ? lower(trim(*marker)) : std::string();
    const auto n = static_cast<std::size_t>(npoints);
    for (Vector& v : plot.vectors) {
      v.re.resize(n);
      if (complex) v.im.resize(n);
    }
    if (m == "binary:") {
      read_binary(plot, n, complex);
    } else if (m == "values:") {
      read_ascii(plot, n, complex);
    } else {
      throw error("expected 'Values:' or 'Binary:'");
    }
    plot.scale =
        lower(plot.kind).find("operating point") != std::string::npos ? std::string() : plot.vectors.front().name;
    return plot;
  }

  void read_binary(Plot& plot, std::size_t npoints, bool complex) {
    const std::size_t per_value = complex ? 2 * sizeof(double) : sizeof(double);
    const std::size_t need = npoints * plot.vectors.size() * per_value;
    if (data_.size() - pos_ < need) throw error("binary data shorter than the header says");
    const char* p = data_.data() + pos_;
    for (std::size_t i = 0; i < npoints; ++i)
      for (Vector& v : plot.vectors) {
        std::memcpy(&v.re[i], p, sizeof(double));
        p += sizeof(double);
        if (complex) {
          std::memcpy(&v.im[i], p, sizeof(double));
          p += sizeof(double);
        }
      }
    pos_ += need;
  }

  // The next blank-separated token, counting line ends on the way.
  std::string_view token() {
    while (pos_ < data_.size() && std::isspace(static_cast<unsigned char>(data_[pos_]))) {
      if (data_[pos_] == '\n') ++line_;
      ++pos_;
    }
    const std::size_t start = pos_;
    where_ = line_;
    while (pos_ < data_.size() && !std::isspace(static_cast<unsigned char>(data_[pos_]))) ++pos_;
    return data_.substr(start, pos_ - start);
  }

  double number(std::string_view text) const {
    double value = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (res.ec != std::errc() || res.ptr != text.data() + text.size())
      throw error("bad number '" + std::string(text) + "'");
    return value;
  }

  void read_ascii(Plot& plot, std::size_t npoints, bool complex) {
    for (std::size_t i = 0; i < npoints; ++i) {
      const std::string_view index = token();
      if (index.empty()) throw error("file ends before point " + std::to_string(i));
      if (number(index) != static_cast<double>(i))
        throw error("expected point index " + std::to_string(i) + ", got '" + std::string(index) + "'");
      for (Vector& v : plot.vectors) {
        const std::string_view t = token();
        if (t.empty()) throw error("file ends inside point " + std::to_string(i));
        if (complex) {
          const auto comma = t.find(',');
          if (comma == std::string_view::npos) throw error("expected 're,im' in a complex plot");
          v.re[i] = number(t.substr(0, comma));
          v.im[i] = number(t.substr(comma + 1));
        } else {
          v.re[i] = number(t);
        }
      }
    }
    // Rest of the last line.
    while (pos_ < data_.size() && data_[pos_] != '\n') ++pos_;
    if (pos_ < data_.size()) {
      ++pos_;
      ++line_;
    }
  }

  std::string_view data_;
  std::string source_;
  std::size_t pos_ = 0;
  int line_ = 1;   // line at pos_
  int where_ = 0;  // line an error refers to
};

}  // namespace

std::vector<Plot> parse_raw(std::string_view data, const std::string& source_name) {
  return RawReader(data, source_name).read();
}

std::vector<Plot> read_raw_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw located(path.string(), 0, "cannot open the rawfile");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_raw(ss.str(), path.string());
}

std::string raw_vector_name(const Vector& v) {
  const std::string& n = v.name;
  // "v1#branch" -> "i(v1)"; XSPICE ports "aamp#branch_1_0" -> "i(aamp)".
  if (const auto at = n.find("#branch"); at != std::string::npos && at > 0) return "i(" + n.substr(0, at) + ")";
  // A vector saved as "V(1)" (.save V(1)) is "v(1)" in the rawfile.
  if (n.size() > 2 && (n[0] == 'V' || n[0] == 'I') && n[1] == '(')
    return static_cast<char>(n[0] + ('a' - 'A')) + n.substr(1);
  // Every other voltage is wrapped, pole-zero results too ("v(zero(1))").
  if (v.type == "voltage" && n.rfind("v(", 0) != 0) return "v(" + n + ")";
  return n;
}

namespace {

void write_plot(const Plot& plot, std::ostream& out, bool ascii) {
  std::vector<const Vector*> order;
  if (const Vector* scale = plot.scale_vector()) order.push_back(scale);
  for (const Vector& v : plot.vectors)
    if (std::find(order.begin(), order.end(), &v) == order.end()) order.push_back(&v);
  std::size_t points = 0;
  bool complex = false;
  for (const Vector* v : order) {
    points = std::max(points, v->size());
    complex = complex || v->is_complex;
  }
  out << "Title: " << plot.title << "\nDate: memcosim\nPlotname: " << plot.kind
      << "\nFlags: " << (complex ? "complex" : "real") << "\nNo. Variables: " << order.size()
      << "\nNo. Points: " << points << "\nVariables:\n";
  for (std::size_t i = 0; i < order.size(); ++i)
    out << "\t" << i << "\t" << raw_vector_name(*order[i]) << "\t" << order[i]->type << "\n";
  auto value = [](const Vector& v, std::size_t k, bool imag) {
    if (k >= v.size()) return 0.0;
    return imag ? (v.is_complex ? v.im[k] : 0.0) : v.re[k];
  };
  out << (ascii ? "Values:\n" : "Binary:\n");
  for (std::size_t k = 0; k < points; ++k) {
    if (ascii) out << " " << k;
    for (const Vector* v : order) {
      if (ascii) {
        out << "\t" << raw_number(value(*v, k, false));
        if (complex) out << "," << raw_number(value(*v, k, true));
        out << "\n";
      } else {
        const double re = value(*v, k, false), im = value(*v, k, true);
        out.write(reinterpret_cast<const char*>(&re), sizeof re);
        if (complex) out.write(reinterpret_cast<const char*>(&im), sizeof im);
      }
    }
  }
}

}  // namespace

void write_raw_file(const std::vector<Plot>& plots, const std::filesystem::path& path, bool ascii) {
  AtomicFile out(path, "raw file");
  for (const Plot& p : plots) write_plot(p, out.stream(), ascii);
  out.commit();
}

}  // namespace memcosim::spice
