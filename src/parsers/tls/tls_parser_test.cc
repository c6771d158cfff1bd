#include <gtest/gtest.h>
TEST(Tls, Placeholder) {}
