#include "ingest/ingest_handler.h"

#include <charconv>

#include "common/clock.h"
#include "common/json_writer.h"
#include "geo/client_ip.h"
#include "ingest/gzip.h"

namespace vigil {
namespace {

bool ParseId(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && *out > 0;
}

std::string_view MediaType(std::string_view ct) {
  size_t semi = ct.find(';');
  std::string_view t = ct.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

void AddCors(HttpResponse* r, std::string_view origin) {
  if (origin.empty()) return;
  r->AddHeader("Access-Control-Allow-Origin", std::string(origin));
  r->AddHeader("Vary", "Origin");
  r->AddHeader("Access-Control-Expose-Headers", "Server-Timing, Retry-After, Date");
}

}  // namespace

IngestHandler::IngestHandler(ProjectCache* projects, RateLimiter* limiter, Queue* queue, IngestMetrics metrics,
                             IngestOptions options)
    : projects_(projects),
      limiter_(limiter),
      queue_(queue),
      metrics_(metrics),
      options_(options),
      parser_(options.limits) {}

void IngestHandler::Register(Router* router) {
  router->Add("POST", "/api/:project/events", [this](const HttpRequest& q, const RouteParams& p, Responder r) {
    HandlePost(q, p, std::move(r));
  });
  router->Add("OPTIONS", "/api/:project/events", [this](const HttpRequest& q, const RouteParams& p, Responder r) {
    HandleOptions(q, p, std::move(r));
  });
}

void IngestHandler::Refuse(Responder& respond, int status, std::string_view code, std::string_view detail,
                           std::string_view origin, int retry_after_s) {
  if (metrics_.batches_refused) metrics_.batches_refused->With({std::string(code)}).Add();
  HttpResponse r = JsonError(status, code, detail);
  if (retry_after_s > 0) r.AddHeader("Retry-After", std::to_string(retry_after_s));
  AddCors(&r, origin);
  respond(std::move(r));
}

void IngestHandler::HandleOptions(const HttpRequest& req, const RouteParams& params, Responder respond) {
  HttpResponse r;
  r.status = 204;
  int64_t pid = 0;
  std::string_view origin = req.Header("origin");
  if (ParseId(params.Get("project"), &pid) && !origin.empty()) {
    auto p = projects_->ById(pid);
    if (p && OriginAllowed(p->allowed_origins, origin)) {
      r.AddHeader("Access-Control-Allow-Origin", std::string(origin));
      r.AddHeader("Vary", "Origin");
      r.AddHeader("Access-Control-Allow-Methods", "POST, OPTIONS");
      r.AddHeader("Access-Control-Allow-Headers", "Content-Type, Content-Encoding");
      r.AddHeader("Access-Control-Max-Age", "86400");
    }
  }
  respond(std::move(r));
}

void IngestHandler::HandlePost(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t received_at = NowMs();
  std::string_view origin = req.Header("origin");
  int64_t pid = 0;
  if (!ParseId(params.Get("project"), &pid)) {
    return Refuse(respond, 404, "not_found", "project id must be a positive integer", origin);
  }
  std::string key = req.QueryParam("key");
  if (key.empty()) key = req.QueryParam("sentry_key");
  if (key.empty()) return Refuse(respond, 401, "missing_key", "add ?key=<public key> from the DSN", origin);
  auto project = projects_->ByKey(key);
  if (!project) return Refuse(respond, 401, "unknown_key", "no project has this key", origin);
  if (project->id != pid) {
    return Refuse(respond, 403, "wrong_project", "the key belongs to another project", origin);
  }
  if (!project->enabled) return Refuse(respond, 403, "project_disabled", "the project is disabled", origin);
  if (!origin.empty() && !OriginAllowed(project->allowed_origins, origin)) {
    // No CORS headers: the browser must not read the answer of a disallowed origin.
    return Refuse(respond, 403, "origin_not_allowed", "origin is not allowed for this project", {});
  }
  std::string_view ct = MediaType(req.Header("content-type"));
  if (!ct.empty() && !IEquals(ct, "text/plain") && !IEquals(ct, "application/json")) {
    return Refuse(respond, 415, "unsupported_media_type", "send text/plain or application/json", origin);
  }
  std::string_view enc = req.Header("content-encoding");
  std::string inflated;
  std::string_view body = req.body;
  if (!enc.empty() && !IEquals(enc, "identity")) {
    if (!IEquals(enc, "gzip")) {
      return Refuse(respond, 415, "unsupported_encoding", "only gzip is supported", origin);
    }
    auto r = Gunzip(req.body, options_.max_decompressed_bytes);
    if (!r.ok()) {
      int status = r.status().code() == "body_too_large" ? 413 : 400;
      return Refuse(respond, status, r.status().code(), r.status().detail(), origin);
    }
    inflated = std::move(r.value());
    body = inflated;
  }
  auto parsed = parser_.Parse(body, pid, received_at);
  if (!parsed.ok()) {
    return Refuse(respond, BatchParser::StatusFor(parsed.status()), parsed.status().code(), parsed.status().detail(),
                  origin);
  }
  ParsedBatch& batch = parsed.value();
  if (metrics_.rejected) {
    for (const auto& rej : batch.rejected) metrics_.rejected->With({rej.reason}).Add();
  }
  // The rejection report, sent with a 200 when some events were invalid.
  std::string report;
  if (!batch.rejected.empty()) {
    JsonWriter w(&report);
    w.BeginObject().Field("accepted", static_cast<int64_t>(batch.events.size()));
    w.Key("rejected").BeginArray();
    for (const auto& rej : batch.rejected) {
      w.BeginObject()
          .Field("index", static_cast<int64_t>(rej.index))
          .Field("reason", rej.reason)
          .Field("detail", rej.detail)
          .EndObject();
    }
    w.EndArray().EndObject();
  }
  std::string cors_origin(origin);
  auto finish_ok = [report = std::move(report), cors_origin](Responder& respond) mutable {
    HttpResponse r;
    if (report.empty()) r.status = 204;
    else r = JsonOk(200, std::move(report));
    AddCors(&r, cors_origin);
    respond(std::move(r));
  };
  if (batch.events.empty()) return finish_ok(respond);

  RateDecision d = limiter_->Acquire(pid, static_cast<int64_t>(batch.events.size()));
  if (!d.allowed) {
    if (metrics_.rate_limited) metrics_.rate_limited->With({d.reason}).Add(batch.events.size());
    std::string_view why = std::string_view(d.reason) == "daily"    ? "the project reached its daily event quota"
                           : std::string_view(d.reason) == "global" ? "the server is over its total event rate"
                                                                    : "the project is over its event rate quota";
    return Refuse(respond, 429, "rate_limited", why, origin, d.retry_after_s);
  }
  NormalizedBatch nb;
  nb.project_id = pid;
  nb.received_at = received_at;
  nb.client_ip = req.peer_ip;
  if (options_.trusted_proxies && !options_.trusted_proxies->empty()) {
    auto peer = geo::IpAddress::Parse(req.peer_ip);
    if (peer) {
      std::string xff;
      for (const auto& [k, v] : req.headers) {
        if (k == "x-forwarded-for") xff += (xff.empty() ? "" : ",") + v;
      }
      std::string_view real = req.Header("x-real-ip");
      nb.client_ip = geo::ResolveClientIp(*peer, xff.empty() ? std::nullopt : std::optional<std::string_view>(xff),
                                          real.empty() ? std::nullopt : std::optional<std::string_view>(real),
                                          *options_.trusted_proxies)
                         .ToString();
    }
  }
  nb.user_agent = std::string(req.Header("user-agent"));
  for (const char* h : {"sec-ch-ua", "sec-ch-ua-full-version-list", "sec-ch-ua-platform", "sec-ch-ua-platform-version",
                        "sec-ch-ua-model", "sec-ch-ua-mobile"}) {
    std::string_view v = req.Header(h);
    if (!v.empty()) nb.client_hints.emplace_back(h, std::string(v.substr(0, 512)));
  }
  size_t count = batch.events.size();
  nb.events = std::move(batch.events);
  std::string payload = EncodeBatch(nb);
  Counter* accepted = metrics_.accepted;
  auto shared_respond = std::make_shared<Responder>(std::move(respond));
  auto shared_finish = std::make_shared<decltype(finish_ok)>(std::move(finish_ok));
  bool queued = queue_->Enqueue(std::move(payload), [shared_respond, shared_finish, accepted, count,
                                                     cors_origin](const Status& s) {
    if (s.ok()) {
      if (accepted) accepted->Add(count);
      (*shared_finish)(*shared_respond);
    } else {
      HttpResponse r = JsonError(503, "storage_unavailable", "the batch could not be stored: " + s.detail());
      r.AddHeader("Retry-After", "5");
      AddCors(&r, cors_origin);
      (*shared_respond)(std::move(r));
    }
  });
  if (!queued) {
    Refuse(*shared_respond, 503, "overloaded", "the write queue is full; retry later", origin, 1);
  }
}

}  // namespace vigil
