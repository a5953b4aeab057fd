// main() of the test binaries that share one stack (tests/support/stack_fixture.hpp).
#include "tests/support/stack_fixture.hpp"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::AddGlobalTestEnvironment(new tracepipe::test::stack_environment);
  return RUN_ALL_TESTS();
}
