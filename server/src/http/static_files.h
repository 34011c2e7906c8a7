// StaticFiles: serves the built dashboard (dashboard/dist) at "/". Hashed files under /assets/ are
// cached for a year; any other GET that is not an API path gets index.html (the dashboard routes
// in the browser). Paths are confined to the root directory. Files are read once and kept in
// memory (the dashboard is a few hundred KB), with a gzip copy when the client accepts it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "http/router.h"

namespace vigil {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  // Whether the root has an index.html.
  bool available() const;
  void Handle(const HttpRequest& req, Responder respond);

 private:
  struct File {
    std::string body, gzip_body, content_type;
  };
  std::shared_ptr<const File> Load(const std::string& rel);
  std::string root_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const File>> cache_;
};

}  // namespace vigil
