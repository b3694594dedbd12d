#include "runtime/signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

namespace skewgate::runtime {
namespace {

bool WaitCancelled(const kube::Cancellation& c) {
  for (int i = 0; i < 5000000 && !c.cancelled(); ++i) std::this_thread::yield();
  return c.cancelled();
}

TEST(ShutdownSignalWatcherTest, SigtermFiresTheCancellationInsteadOfKilling) {
  kube::Cancellation stop;
  auto w = ShutdownSignalWatcher::Install(stop);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)->received(), 0);
  EXPECT_FALSE(stop.cancelled());
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  ASSERT_TRUE(WaitCancelled(stop));
  EXPECT_EQ((*w)->received(), SIGTERM);
  // A second signal is absorbed too (the process is already shutting down).
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
}

TEST(ShutdownSignalWatcherTest, DestructionWithoutASignalDoesNotHang) {
  kube::Cancellation stop;
  {
    auto w = ShutdownSignalWatcher::Install(stop);
    ASSERT_TRUE(w.ok());
  }
  EXPECT_FALSE(stop.cancelled());
}

}  // namespace
}  // namespace skewgate::runtime
