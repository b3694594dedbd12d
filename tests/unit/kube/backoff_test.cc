#include "kube/backoff.h"

#include <gtest/gtest.h>

#include "kube/resource.h"

namespace skewgate::kube {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesFrom800msToA30sCap) {
  Backoff b;
  std::vector<Duration> want = {milliseconds(800),   milliseconds(1600),  milliseconds(3200),
                                milliseconds(6400),  milliseconds(12800), milliseconds(25600),
                                milliseconds(30000), milliseconds(30000)};
  for (Duration w : want) EXPECT_EQ(b.Next(0.0), w);
}

TEST(BackoffTest, JitterStretchesByAtMostAQuarter) {
  Backoff b;
  EXPECT_EQ(b.Next(0.5), milliseconds(900));
  Backoff c;
  EXPECT_EQ(c.Next(1.0), milliseconds(1000));
  for (int i = 0; i < 10; ++i) c.Next(1.0);
  EXPECT_EQ(c.Next(1.0), milliseconds(37500));  // cap before jitter
}

TEST(BackoffTest, ResetStartsOver) {
  Backoff b;
  b.Next(0);
  b.Next(0);
  b.Reset();
  EXPECT_EQ(b.Next(0), milliseconds(800));
}

TEST(ResourceTest, PathsForCoreGroupedAndClusterScoped) {
  EXPECT_EQ(ObjectPath(resources::Pods(), "ml", "p"), "/api/v1/namespaces/ml/pods/p");
  EXPECT_EQ(CollectionPath(resources::Pods(), ""), "/api/v1/pods");
  EXPECT_EQ(ObjectPath(resources::ModelDeployments(), "ml", "fraud", "status"),
            "/apis/skewgate.io/v1alpha1/namespaces/ml/modeldeployments/fraud/status");
  EXPECT_EQ(CollectionPath(resources::Events(), "ml"),
            "/apis/events.k8s.io/v1/namespaces/ml/events");
  EXPECT_EQ(ObjectPath(resources::Namespaces(), "ignored", "ml"), "/api/v1/namespaces/ml");
  EXPECT_EQ(resources::HttpRoutes().ApiVersion(), "gateway.networking.k8s.io/v1");
  EXPECT_EQ(resources::Leases().QualifiedName(), "leases.coordination.k8s.io");
  EXPECT_EQ(UrlEncode("a=b c/d~"), "a%3Db%20c%2Fd~");
}

}  // namespace
}  // namespace skewgate::kube
