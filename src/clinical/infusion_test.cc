#include "clinical/infusion.h"

#include <gtest/gtest.h>

namespace ward::clinical {
namespace {

TEST(CanonicalUnits, MdcCodedUcumAndPlainSpellingsAgree) {
  EXPECT_EQ(canonical_units("265266^MDC_DIM_MILLI_L_PER_HR^MDC"), "mL/h");
  EXPECT_EQ(canonical_units("mL/h^mL/h^UCUM"), "mL/h");
  EXPECT_EQ(canonical_units("ml/hr"), "mL/h");
  EXPECT_EQ(canonical_units("265619^MDC_DIM_MICRO_G_PER_KG_PER_MIN^MDC"), "mcg/kg/min");
  EXPECT_EQ(canonical_units("ug/kg/min"), "mcg/kg/min");
  EXPECT_EQ(canonical_units("263872^MDC_DIM_X_G^MDC"), "g");
  EXPECT_EQ(canonical_units("263762^MDC_DIM_MILLI_L^MDC"), "mL");
}

TEST(CanonicalUnits, UnknownUnitsAreKeptAsTheirFirstComponent) {
  EXPECT_EQ(canonical_units("furlong/fortnight^x^L"), "furlong/fortnight");
  EXPECT_EQ(canonical_units(""), "");
}

TEST(RateKind, FollowsTheUnits) {
  EXPECT_EQ(rate_kind_for_units("mL/h"), RateKind::kVolumeRate);
  EXPECT_EQ(rate_kind_for_units("mcg/kg/min"), RateKind::kDoseRate);
  EXPECT_EQ(rate_kind_for_units("units/h"), RateKind::kDoseRate);
  EXPECT_EQ(rate_kind_for_units("g"), RateKind::kDose);
  EXPECT_EQ(rate_kind_for_units("parsecs"), RateKind::kUnknown);
}

}  // namespace
}  // namespace ward::clinical
