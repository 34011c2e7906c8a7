// Background threads (the process stage, WAL checkpointers) run at a lower CPU priority than the
// threads that acknowledge ingest requests, so on a busy machine a request's latency does not wait
// for background work. Linux: per-thread nice value.
#pragma once

namespace vigil {

constexpr int kBackgroundNice = 5;

// Lowers the calling thread's priority by `nice` (best effort; failures are ignored).
void LowerThreadPriority(int nice = kBackgroundNice);

}  // namespace vigil
