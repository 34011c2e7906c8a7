#include "http/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ingest/gzip.h"

namespace vigil {
namespace {

std::string ContentType(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

void SecurityHeaders(HttpResponse* r) {
  r->AddHeader("X-Content-Type-Options", "nosniff");
  r->AddHeader("Referrer-Policy", "same-origin");
  r->AddHeader("X-Frame-Options", "DENY");
  r->AddHeader("Content-Security-Policy",
               "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
}

}  // namespace

bool StaticFiles::available() const {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(root_) / "index.html", ec);
}

std::shared_ptr<const StaticFiles::File> StaticFiles::Load(const std::string& rel) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(rel);
    if (it != cache_.end()) return it->second;
  }
  std::error_code ec;
  auto root = std::filesystem::weakly_canonical(root_, ec);
  auto full = std::filesystem::weakly_canonical(std::filesystem::path(root_) / rel, ec);
  if (ec) return nullptr;
  // Confine to the root: no "..", no symlinks out.
  auto r = root.string(), f = full.string();
  if (f.size() <= r.size() || f.compare(0, r.size(), r) != 0 || f[r.size()] != '/') return nullptr;
  if (!std::filesystem::is_regular_file(full, ec)) return nullptr;
  std::ifstream in(full, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto file = std::make_shared<File>();
  file->body = ss.str();
  file->content_type = ContentType(f);
  if (file->body.size() > 1024 && file->content_type.find("image/png") == std::string::npos) file->gzip_body = Gzip(file->body, 9);
  std::lock_guard<std::mutex> lock(mu_);
  cache_[rel] = file;
  return file;
}

void StaticFiles::Handle(const HttpRequest& req, Responder respond) {
  if (req.method != "GET" && req.method != "HEAD") return respond(JsonError(405, "method_not_allowed", "GET only"));
  std::string path = req.path;
  if (path.rfind("/api/", 0) == 0) return respond(JsonError(404, "not_found", "no route for " + path));
  bool asset = path.rfind("/assets/", 0) == 0;
  std::string rel = path.size() > 1 ? path.substr(1) : "index.html";
  auto file = Load(rel);
  if (!file) {
    if (asset || path.find('.') != std::string::npos) return respond(JsonError(404, "not_found", "no such file"));
    file = Load("index.html");  // a dashboard route
    asset = false;
    if (!file) {
      return respond(JsonError(404, "not_found",
                               "the dashboard is not built: run `make build` (dashboard/dist is missing)"));
    }
  }
  HttpResponse r;
  r.content_type = file->content_type;
  bool gz = !file->gzip_body.empty() && req.Header("accept-encoding").find("gzip") != std::string_view::npos;
  r.body = gz ? file->gzip_body : file->body;
  if (gz) r.AddHeader("Content-Encoding", "gzip");
  r.AddHeader("Vary", "Accept-Encoding");
  r.AddHeader("Cache-Control", asset ? "public, max-age=31536000, immutable" : "no-cache");
  SecurityHeaders(&r);
  if (req.method == "HEAD") r.body.clear();
  respond(std::move(r));
}

}  // namespace vigil
