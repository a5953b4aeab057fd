// main() of replica_tests: one stack for the binary, with ZooKeeper and
// three ClickHouse replicas of one shard — the topology production runs.
#include "tests/support/stack_fixture.hpp"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::AddGlobalTestEnvironment(new tracepipe::test::stack_environment(3));
  return RUN_ALL_TESTS();
}
