// Test helpers: a blocking HTTP/1.1 client (keep-alive) and a handle on a real `vigil serve`
// process started on a free port with a fresh data directory.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace vigil::test {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
  std::string Header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? "" : it->second;
  }
};

// One keep-alive connection. Not thread-safe; use one per thread.
class HttpClient {
 public:
  explicit HttpClient(int port) : port_(port) {}
  ~HttpClient() { Close(); }
  bool Connect() {
    Close();
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      Close();
      return false;
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    buf_.clear();
    return true;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  static std::string Build(const std::string& method, const std::string& target, const std::string& body,
                           const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    return req;
  }

  // Sends raw bytes.
  bool SendRaw(const std::string& data) {
    if (fd_ < 0 && !Connect()) return false;
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one response. Returns false on EOF/error.
  bool ReadResponse(ClientResponse* out) {
    *out = ClientResponse();
    size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    std::string head = buf_.substr(0, header_end);
    buf_.erase(0, header_end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return false;
    out->status = std::atoi(status_line.c_str() + 9);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t c = line.find(':');
      if (c != std::string::npos) {
        std::string k = line.substr(0, c);
        for (auto& ch : k) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        size_t v = line.find_first_not_of(' ', c + 1);
        out->headers[k] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = e + 2;
    }
    size_t len = static_cast<size_t>(std::atoll(out->Header("content-length").c_str()));
    while (buf_.size() < len) {
      if (!Fill()) return false;
    }
    out->body = buf_.substr(0, len);
    buf_.erase(0, len);
    if (out->Header("connection") == "close") Close();
    return true;
  }

  // Sends a request and reads the response, reconnecting once if the kept-alive connection died.
  ClientResponse Request(const std::string& method, const std::string& target, const std::string& body = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    ClientResponse r;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !Connect()) continue;
      bool sent = SendRaw(Build(method, target, body, headers));
      // Even when sending failed, the server may have answered early (e.g. 413 before the whole
      // body arrived) and closed: read what it said.
      if (ReadResponse(&r)) return r;
      (void)sent;
      Close();
    }
    r.status = -1;
    return r;
  }

 private:
  bool Fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int port_;
  int fd_ = -1;
  std::string buf_;
};

inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

inline std::string VigilBinary() {
  const char* env = std::getenv("VIGIL_BIN");
  if (env && *env) return env;
#ifdef VIGIL_BIN_DIR
  return std::string(VIGIL_BIN_DIR) + "/vigil";
#else
  return "build/bin/vigil";
#endif
}

inline std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  char* d = mkdtemp(buf.data());
  return d ? std::string(d) : std::string();
}

// Runs a command, returns its stdout (trimmed of the final newline) and exit code.
inline std::string RunCommand(const std::string& cmd, int* exit_code = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (exit_code) *exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// A `vigil serve` child process.
class ServerProcess {
 public:
  explicit ServerProcess(std::string data_dir = "") : data_(data_dir.empty() ? MakeTempDir("vigil-test") : data_dir) {}
  ~ServerProcess() {
    Kill(SIGKILL);
    if (owns_dir_) std::filesystem::remove_all(data_);
  }
  void KeepDir() { owns_dir_ = false; }
  const std::string& data_dir() const { return data_; }
  int port() const { return port_; }

  // Starts the server with extra flags; waits until /healthz answers. Returns false on failure.
  // `wait_ms`: how long /healthz may take (first starts on big data dirs run migrations).
  bool Start(const std::vector<std::string>& extra = {}, int port = 0, int wait_ms = 5000) {
    port_ = port ? port : FreePort();
    log_path_ = data_ + "/server.log";
    pid_ = fork();
    if (pid_ == 0) {
      int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<std::string> args = {VigilBinary(), "serve", "--listen", "127.0.0.1:" + std::to_string(port_),
                                       "--data", data_};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < wait_ms / 25; ++i) {
      HttpClient c(port_);
      if (c.Connect()) {
        auto r = c.Request("GET", "/healthz");
        if (r.status == 200) return true;
      }
      int st;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  // Sends `sig` and waits for the exit; returns the exit status (or -signal).
  int Kill(int sig) {
    if (pid_ <= 0) return 0;
    ::kill(pid_, sig);
    int st = 0;
    waitpid(pid_, &st, 0);
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
  }

  std::string Log() const { return RunCommand("cat " + log_path_); }

  // `vigil project create` against this data dir: returns {id, key} parsed from the JSON line.
  std::pair<int64_t, std::string> CreateProject(const std::string& name) {
    std::string line = RunCommand(VigilBinary() + " project create --data " + data_ + " --name " + name);
    auto field = [&](const std::string& k) {
      size_t p = line.find("\"" + k + "\":");
      if (p == std::string::npos) return std::string();
      p += k.size() + 3;
      if (line[p] == '"') {
        size_t e = line.find('"', p + 1);
        return line.substr(p + 1, e - p - 1);
      }
      size_t e = line.find_first_of(",}", p);
      return line.substr(p, e - p);
    };
    return {std::atoll(field("id").c_str()), field("key")};
  }
  std::string CreateToken() {
    return RunCommand(VigilBinary() + " token create --data " + data_ + " --name test 2>/dev/null");
  }

 private:
  std::string data_;
  bool owns_dir_ = true;
  std::string log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace vigil::test
