// The read API for raw events: GET /api/v1/projects/<id>/events (docs/protocol.md, "Reading
// events back"). Bearer-token authenticated.
#pragma once

#include "http/router.h"
#include "store/event_store.h"
#include "store/meta_store.h"

namespace vigil {

class EventsApi {
 public:
  EventsApi(MetaStore* meta, EventStore* events) : meta_(meta), events_(events) {}
  void Register(Router* router);
  void HandleList(const HttpRequest& req, const RouteParams& params, Responder respond);

 private:
  MetaStore* meta_;
  EventStore* events_;
};

}  // namespace vigil
