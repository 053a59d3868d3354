// Where each object and member of a JSON text starts, so that a reader can
// name the line and column of a bad entry. nlohmann::json (3.11) keeps no
// positions, so the text is scanned once more: every '{' and every member
// name, in text order. That is the order in which the parser reports
// object starts and names, and the pre-order of the parsed ordered_json
// (objects before their members, members in order).
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace nl::ledger {

struct TextPosition {
  uint32_t line = 1, column = 1;  // both from 1; columns count UTF-8 characters
  std::string to_string() const { return std::to_string(line) + ":" + std::to_string(column); }
};

// The line and column of the character at byte `offset` of `text`.
TextPosition position_at(std::string_view text, size_t offset);

// Each '{' and each member name of `text`, in text order.
std::vector<TextPosition> object_and_name_starts(std::string_view text);

class JsonPositions {
 public:
  // `doc` must have been parsed from `text` without duplicate member names
  // (a duplicate would drop an object the scan still counts).
  JsonPositions(std::string_view text, const nlohmann::ordered_json& doc);

  // A member's value: its name. Any other object: its '{'. An array
  // element that is not an object: the array's place. 1:1 if unknown.
  TextPosition of(const nlohmann::ordered_json& value) const;

 private:
  std::map<const nlohmann::ordered_json*, TextPosition> at_;
};

}  // namespace nl::ledger
