// main() of redis_cluster_tests: one stack for the binary with a Redis
// Cluster of three masters and a replica each — the layout Langfuse runs.
#include "tests/support/stack_fixture.hpp"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::AddGlobalTestEnvironment(new tracepipe::test::stack_environment(1, 3, 1));
  return RUN_ALL_TESTS();
}
