// Routinator `json` read as parser events (nlohmann::json::sax_parse):
// each entry of "roas" goes from its fields straight to a Vrp, with no
// json node built for it. The per-entry documents the callback parser
// built cost the import about a second of malloc at 800k VRPs. What is
// accepted and every error are as they were with that parser (the
// document's semantics: the last of a repeated key wins); tests compare
// the two on good and malformed input.
#include <array>
#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>

#include "crypto/basics/json_fields.h"
#include "ledger/interop/vrp.h"
#include "ledger/interop/vrp_fields.h"

namespace nl::ledger {

namespace {

using nlohmann::json;

// A member's value nested deeper than this is not kept: printing it into
// an error would recurse once per level (the document reader crashed on
// 200,000 levels).
constexpr size_t kMaxMemberDepth = 64;

constexpr std::array<std::string_view, 4> kFieldNames{"asn", "prefix", "maxLength", "ta"};
enum FieldIndex { kAsn, kPrefix, kMaxLength, kTa };

// One member of an entry as the file gave it. Strings and unsigned
// numbers, all a good entry holds, are kept without a json node (and the
// string's buffer is reused from entry to entry).
struct Field {
  enum Kind { absent, text, number, other, too_deep } kind = absent;
  std::string chars;     // text
  uint64_t value = 0;    // number
  json any;              // other: anything else, as the document held it
  json as_json() const { return kind == text ? json(chars) : kind == number ? json(value) : any; }
};

// A member's value that is an object or an array (only malformed entries
// have one), built as nlohmann's document builder would, for its errors.
struct TreeBuilder {
  json root;
  std::vector<json*> open;  // the containers being filled, innermost last
  std::string key;          // the member name just read
  size_t beyond = 0;        // containers open below kMaxMemberDepth, not kept
  void add(json v, bool container) {
    if (beyond) return;
    json* at = &root;
    if (open.empty()) root = std::move(v);
    else if (open.back()->is_array()) open.back()->push_back(std::move(v)), at = &open.back()->back();
    else at = &((*open.back())[key] = std::move(v));
    if (container) open.push_back(at);
  }
};

Result<Vrp> vrp_from_fields(const std::array<Field, 4>& f) {
  for (size_t i = 0; i < f.size(); ++i)
    if (f[i].kind == Field::absent) return fail("has no \"" + std::string(kFieldNames[i]) + "\"");
  // Routinator writes "AS1"; rpki-client writes the bare number.
  uint32_t as = 0;
  if (f[kAsn].kind == Field::text) {
    auto a = parse_as_text(f[kAsn].chars);
    if (!a) return a.take_error();
    as = *a;
  } else if (f[kAsn].kind == Field::number && f[kAsn].value <= 0xFFFFFFFFull) {
    as = static_cast<uint32_t>(f[kAsn].value);
  } else {
    if (f[kAsn].kind == Field::too_deep) return fail("asn nests more than 64 levels deep; not an AS number");
    return fail("asn " + f[kAsn].as_json().dump() + " is not an AS number like \"AS64496\"");
  }
  if (f[kPrefix].kind != Field::text) return fail("prefix is not a string");
  uint64_t max_length = f[kMaxLength].value;
  if (f[kMaxLength].kind == Field::too_deep)
    return fail("maxLength nests more than 64 levels deep; not a whole number in 0-255");
  if (f[kMaxLength].kind != Field::number || max_length > 255) {
    auto ml = json_uint(f[kMaxLength].as_json(), "maxLength", 0, 255);
    if (!ml) return ml.take_error();
    max_length = *ml;
  }
  if (f[kTa].kind != Field::text) return fail("ta is not a string");
  return make_vrp(as, f[kPrefix].chars, max_length, f[kTa].chars);
}

// The SAX handler. `level_` counts the containers open: the top object's
// members are at level 1, the entries of "roas" at 2, their members at 3.
class RoasReader {
 public:
  RoasReader(const std::function<void()>& restart, const std::function<void(uint64_t, Result<Vrp>&&)>& entry)
      : restart_(restart), entry_(entry) {}

  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool b) { return scalar(json(b)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return scalar(json(v)); }
  bool binary(json::binary_t& b) { return scalar(json(b)); }  // never in JSON text
  bool number_unsigned(json::number_unsigned_t v) {
    if (tree_) return tree_->add(json(v), false), true;
    if (Field* f = member()) f->kind = Field::number, f->value = v;
    return value_placed();
  }
  bool string(std::string& s) {
    if (tree_) return tree_->add(json(s), false), true;
    if (Field* f = member()) f->kind = Field::text, f->chars.assign(s);
    return value_placed();
  }
  bool key(std::string& k) {
    if (tree_) tree_->key = k;
    else if (level_ == 1) top_key_ = k;
    else if (level_ == 3 && in_entry_) field_ = field_index(k);
    return true;
  }
  bool start_object(size_t) { return open(true); }
  bool start_array(size_t) { return open(false); }
  bool end_object() { return close(true); }
  bool end_array() { return close(false); }
  // nlohmann's document parser throws these; here they are the result.
  template <class Exception>
  bool parse_error(size_t, const std::string&, const Exception& e) {
    // A number beyond a double (1e999) is out_of_range, not parse_error.
    error_ = std::is_base_of_v<json::parse_error, Exception>
                 ? std::string("VRP JSON is not valid JSON: ") + e.what()
                 : std::string("VRP JSON is not usable: ") + e.what();
    return false;
  }

  Status finish() const {
    if (error_) return fail(*error_);
    if (!top_is_object_) return fail("VRP JSON must be an object with a \"roas\" array");
    if (!roas_is_array_) return fail("VRP JSON has no \"roas\" array");
    return {};
  }

 private:
  static int field_index(const std::string& k) {
    for (size_t i = 0; i < kFieldNames.size(); ++i)
      if (k == kFieldNames[i]) return static_cast<int>(i);
    return -1;
  }
  // The entry member a scalar read now belongs to, if it is one of the four.
  Field* member() { return level_ == 3 && in_entry_ && field_ >= 0 ? &fields_[static_cast<size_t>(field_)] : nullptr; }

  // A value (scalar or container) starting at `level_`, before it is read.
  void value_at(bool array) {
    if (level_ == 0) top_is_object_ = false;
    // The last "roas" of the top object is the one that counts.
    if (level_ == 1 && top_key_ == "roas") roas_is_array_ = array;
  }
  bool scalar(json v) {
    if (tree_) return tree_->add(std::move(v), false), true;
    if (Field* f = member()) f->kind = Field::other, f->any = std::move(v);
    return value_placed();
  }
  bool value_placed() {
    value_at(false);
    if (level_ == 2 && in_roas_) emit(fail("is not an object"));
    return true;
  }
  bool open(bool object) {
    if (tree_) {
      ++level_;
      if (tree_->beyond || tree_->open.size() == kMaxMemberDepth) ++tree_->beyond;
      else tree_->add(object ? json::object() : json::array(), true);
      return true;
    }
    value_at(!object);
    if (level_ == 0 && object) top_is_object_ = true;
    if (level_ == 1 && !object && top_key_ == "roas") {
      if (had_roas_) restart_();  // a repeated key replaces the earlier value
      had_roas_ = in_roas_ = true;
      position_ = 0;
    }
    if (level_ == 2 && in_roas_ && object) {
      in_entry_ = true;
      field_ = -1;
      for (auto& f : fields_) f.kind = Field::absent;
    }
    if (level_ == 3 && in_entry_ && field_ >= 0) {
      tree_.emplace();
      tree_field_ = field_;
      too_deep_ = false;
      tree_->add(object ? json::object() : json::array(), true);
    }
    ++level_;
    return true;
  }
  bool close(bool object) {
    --level_;  // now the level the container started at
    if (tree_) {
      if (tree_->beyond) {
        --tree_->beyond;
        too_deep_ = true;
        return true;
      }
      tree_->open.pop_back();
      if (tree_->open.empty()) {
        Field& f = fields_[static_cast<size_t>(tree_field_)];
        f.kind = too_deep_ ? Field::too_deep : Field::other;
        f.any = too_deep_ ? json() : std::move(tree_->root);
        tree_.reset();
      }
      return true;
    }
    if (level_ == 1 && !object) in_roas_ = false;
    if (level_ == 2 && in_roas_) {
      in_entry_ = false;
      emit(object ? vrp_from_fields(fields_) : Result<Vrp>(fail("is not an object")));
    }
    return true;
  }
  void emit(Result<Vrp>&& v) {
    ++position_;
    if (!v) v = fail("roas[" + std::to_string(position_ - 1) + "]: " + v.error());
    entry_(position_, std::move(v));
  }

  const std::function<void()>& restart_;
  const std::function<void(uint64_t, Result<Vrp>&&)>& entry_;
  size_t level_ = 0;
  std::string top_key_;  // the last member name of the top object
  bool top_is_object_ = false, roas_is_array_ = false;
  bool in_roas_ = false, had_roas_ = false, in_entry_ = false;
  uint64_t position_ = 0;  // of the last entry, from 1
  std::array<Field, 4> fields_;
  int field_ = -1;  // the entry member being read, or -1 for another
  std::optional<TreeBuilder> tree_;
  int tree_field_ = -1;
  bool too_deep_ = false;  // the value being built went past kMaxMemberDepth
  std::optional<std::string> error_;
};

// `in`: the text, or a stream of it (nlohmann's sax_parse takes either).
template <class Input>
Status each_entry(Input&& in, const std::function<void()>& restart,
                  const std::function<void(uint64_t, Result<Vrp>&&)>& entry) {
  RoasReader reader(restart, entry);
  json::sax_parse(std::forward<Input>(in), &reader);
  return reader.finish();
}

}  // namespace

Status each_vrp_json(std::istream& in, const std::function<void()>& restart,
                     const std::function<void(uint64_t, Result<Vrp>&&)>& entry) {
  return each_entry(in, restart, entry);
}

Result<VrpFile> read_vrps_json(std::string_view text) {
  VrpFile out;
  out.json = true;
  auto restart = [&] {
    out = VrpFile{};
    out.json = true;
  };
  auto entry = [&](uint64_t position, Result<Vrp>&& v) {
    if (!v) {
      out.bad.push_back({position, v.error()});
      return;
    }
    out.vrps.push_back(std::move(*v));
    out.positions.push_back(position);
  };
  if (auto s = each_entry(text, restart, entry); !s) return s.take_error();
  return out;
}

}  // namespace nl::ledger
