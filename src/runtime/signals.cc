#include "runtime/signals.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace skewgate::runtime {

StatusOr<std::unique_ptr<ShutdownSignalWatcher>> ShutdownSignalWatcher::Install(
    kube::Cancellation& on_signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    return InternalError(std::string("blocking SIGTERM/SIGINT: ") + std::strerror(err));
  }
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) return InternalError(std::string("signalfd: ") + std::strerror(errno));
  int efd = eventfd(0, EFD_CLOEXEC);
  if (efd < 0) {
    close(sfd);
    return InternalError(std::string("eventfd: ") + std::strerror(errno));
  }
  return std::unique_ptr<ShutdownSignalWatcher>(new ShutdownSignalWatcher(sfd, efd, on_signal));
}

ShutdownSignalWatcher::ShutdownSignalWatcher(int signal_fd, int stop_fd,
                                             kube::Cancellation& on_signal)
    : signal_fd_(signal_fd), stop_fd_(stop_fd), on_signal_(on_signal) {
  thread_ = std::thread([this] { Loop(); });
}

ShutdownSignalWatcher::~ShutdownSignalWatcher() {
  uint64_t one = 1;
  if (write(stop_fd_, &one, sizeof one) < 0) {
    // Cannot happen for an eventfd below its maximum; the join below would then hang, so
    // say so loudly.
    SG_LOG(Error, "").Msg("cannot stop the signal watcher");
  }
  thread_.join();
  close(signal_fd_);
  close(stop_fd_);
}

void ShutdownSignalWatcher::Loop() {
  while (true) {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    if (fds[0].revents) {
      signalfd_siginfo info;
      if (read(signal_fd_, &info, sizeof info) != sizeof info) continue;
      int sig = static_cast<int>(info.ssi_signo);
      if (received_.exchange(sig) == 0) {
        SG_LOG(Info, "").Msg("shutdown requested").Field("signal", strsignal(sig));
        on_signal_.Cancel();
      }
    }
  }
}

}  // namespace skewgate::runtime
