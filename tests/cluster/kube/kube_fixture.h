// Fixture for tests of src/kube against the real local cluster: a Client built from the
// cluster's kubeconfig, a fresh namespace, and helpers to wait on real state.
//
//   class MyTest : public KubeClusterTest {};
//   TEST_F(MyTest, Get) { auto cm = client().Get(resources::ConfigMaps(), ns(), "x"); }
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kube/client.h"
#include "kube/config.h"
#include "kube/request_metrics.h"
#include "support/cluster_env.h"

namespace skewgate::kube::testing {

class KubeClusterTest : public skewgate::testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    auto cfg = LoadKubeConfigFile(skewgate::testing::KubeconfigPath());
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    config_ = *cfg;
    ClientOptions opts;
    opts.observer = &requests_;
    auto c = NewClient(config_, opts);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(c).value();
    ns_ = CreateNamespace("kube");
  }

  Client& client() { return *client_; }
  const KubeConfig& config() const { return config_; }
  const std::string& ns() const { return ns_; }
  RequestCounter& requests() { return requests_; }

  static nlohmann::json ConfigMap(const std::string& name, nlohmann::json data) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}}},
            {"data", std::move(data)}};
  }

  // Polls `done` on the real cluster (its state changes on its own schedule) until it
  // holds or `limit` passes. Returns whether it held.
  static bool Eventually(const std::function<bool()>& done,
                         std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
  }

 private:
  KubeConfig config_;
  RequestCounter requests_;
  std::unique_ptr<Client> client_;
  std::string ns_;
};

}  // namespace skewgate::kube::testing
