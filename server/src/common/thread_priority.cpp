#include "common/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vigil {

void LowerThreadPriority(int nice) {
  // On Linux a nice value applies to the thread whose id is given.
  pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  int current = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  setpriority(PRIO_PROCESS, static_cast<id_t>(tid), current + nice);
}

}  // namespace vigil
