#include "ledger/interop/json_positions.h"

#include <vector>

namespace nl::ledger {

using nlohmann::ordered_json;

namespace {

// Moves `pos` past `c`; UTF-8 continuation bytes belong to the character before.
void step(TextPosition& pos, char c) {
  if (c == '\n') {
    ++pos.line;
    pos.column = 1;
  } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
    ++pos.column;
  }
}

}  // namespace

// One pass that knows only strings (with their escapes) and '{'.
std::vector<TextPosition> object_and_name_starts(std::string_view text) {
  std::vector<TextPosition> out;
  TextPosition pos;
  auto advance = [&](char c) { step(pos, c); };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{') {
      out.push_back(pos);
    } else if (c == '"') {
      const TextPosition start = pos;
      advance(c);
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) advance(text[i++]);
        advance(text[i]);
      }
      // A string followed by ':' is a member name.
      size_t j = i + 1;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
      if (j < text.size() && text[j] == ':') out.push_back(start);
    }
    if (i < text.size()) advance(text[i]);
  }
  return out;
}

namespace {

struct Walk {
  const std::vector<TextPosition>& events;
  std::map<const ordered_json*, TextPosition>& at;
  size_t next = 0;

  TextPosition take() { return next < events.size() ? events[next++] : TextPosition{}; }

  // `named`: `v` is a member's value, already placed at its name;
  // `here` is where `v` itself is placed.
  void visit(const ordered_json& v, bool named, TextPosition here) {
    if (v.is_object()) {
      const TextPosition open = take();
      if (!named) at[&v] = open;
      for (const auto& [name, member] : v.items()) {
        const TextPosition key = take();
        at[&member] = key;
        if (member.is_structured()) visit(member, true, key);
      }
    } else if (v.is_array()) {
      for (const auto& e : v) {
        if (e.is_object()) {
          visit(e, false, here);
        } else {
          at[&e] = here;  // a scalar or an array has no place of its own here
          if (e.is_array()) visit(e, true, here);
        }
      }
    }
  }
};

}  // namespace

TextPosition position_at(std::string_view text, size_t offset) {
  TextPosition pos;
  for (size_t i = 0; i < offset && i < text.size(); ++i) step(pos, text[i]);
  return pos;
}

JsonPositions::JsonPositions(std::string_view text, const ordered_json& doc) {
  const auto events = object_and_name_starts(text);
  Walk w{events, at_};
  w.visit(doc, false, TextPosition{});
}

TextPosition JsonPositions::of(const ordered_json& value) const {
  auto it = at_.find(&value);
  return it == at_.end() ? TextPosition{} : it->second;
}

}  // namespace nl::ledger
