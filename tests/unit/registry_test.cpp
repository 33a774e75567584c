// Every tier-1 op is registered, at the newest opset vireo supports and at the
// opset where it was introduced into ONNX.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "runtime/ops/op.hpp"

TEST(Registry, EveryTier1OpIsRegisteredAtOpset17) {
    std::ifstream in(std::string(VIREO_SOURCE_DIR) + "/tests/onnx/ops-tier1.txt");
    ASSERT_TRUE(in) << "cannot read tests/onnx/ops-tier1.txt";
    const auto& reg = vireo::rt::OpRegistry::global();
    std::string line, op, missing;
    int count = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        while (ls >> op) {
            ++count;
            if (!reg.find(op, 17)) missing += " " + op;
        }
    }
    EXPECT_EQ(count, 122);
    EXPECT_EQ(missing, "");
}

TEST(Registry, OpsAreRefusedBeforeTheyExist) {
    const auto& reg = vireo::rt::OpRegistry::global();
    EXPECT_TRUE(reg.find("Relu", 1));
    EXPECT_FALSE(reg.find("HardSwish", 13));  // introduced in opset 14
    EXPECT_TRUE(reg.find("HardSwish", 14));
    EXPECT_FALSE(reg.find("NoSuchOp", 17));
}
