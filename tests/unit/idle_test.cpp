// An idle session must not burn CPU: TBB workers may spin briefly after a
// run, then must sleep. Gateways run many idle sessions.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <thread>

#include "vireo/vireo.hpp"

namespace {
double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1e-6 * double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}
}  // namespace

TEST(Idle, SessionUsesNoCpuBetweenRuns) {
    std::string dir = std::string(VIREO_SOURCE_DIR) + "/tests/models/ic_resnet8/";
    vireo::Model model = vireo::Model::load(dir + "model.onnx");
    vireo::Session session(model, {.threads = 2});
    vireo::Tensor x = vireo::load_npy(dir + "input_0.npy");
    for (int i = 0; i < 20; ++i) session.run({x});
    // Let any post-run spinning end, then measure one idle second.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    double before = cpu_seconds();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    double used = cpu_seconds() - before;
    EXPECT_LT(used, 0.02) << "process used " << used << " s of CPU while idle";
}
