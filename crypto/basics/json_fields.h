// Checked reads of JSON numbers from files we did not write (genesis, key
// files, VRPs, keystores). nlohmann keeps a number it cannot hold as an
// integer as a double, and converting that to an integer is undefined
// behaviour; negatives and fractions convert silently. These readers take
// only whole numbers in range and name the field when they refuse.
#pragma once
#include <cstdint>
#include <limits>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "crypto/basics/result.h"

namespace nl {

// `v` as an unsigned whole number in [min, max]. Floats (5.0, 1e3, numbers
// beyond 2^64), negatives, strings and the rest are refused with
// "<field> is <value>, not a whole number in <min>-<max>".
Result<uint64_t> json_uint(const nlohmann::json& v, const std::string& field, uint64_t min = 0,
                           uint64_t max = std::numeric_limits<uint64_t>::max());

// The member `name` of object `obj`, read as above; `field` names it in
// errors (e.g. "validators[2].power"). Missing is an error unless a
// fallback is given.
Result<uint64_t> json_uint_member(const nlohmann::json& obj, const char* name, const std::string& field,
                                  uint64_t min = 0, uint64_t max = std::numeric_limits<uint64_t>::max());
Result<uint64_t> json_uint_member_or(const nlohmann::json& obj, const char* name, const std::string& field,
                                     uint64_t fallback, uint64_t min = 0,
                                     uint64_t max = std::numeric_limits<uint64_t>::max());

}  // namespace nl
