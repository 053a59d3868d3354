// The VRP json reader (parser events, no document per entry) against the
// reader it replaced (nlohmann's callback parser building each entry's
// document), kept here as the reference: for good files, cut files,
// wrong types, unknown and repeated members, nested values and numbers
// beyond every range, both must hand on the same entries, positions,
// VRPs and errors, and end with the same result.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "crypto/basics/json_fields.h"
#include "ledger/interop/vrp.h"
#include "ledger/interop/vrp_fields.h"
#include "ledger/interop/vrp_json_pipeline.h"

using namespace nl;
using namespace nl::ledger;
using nlohmann::json;

namespace {

const std::string kRealVrps = NL_SOURCE_DIR "/../shared/data/vrps-afrinic-20240101.json";

// The reference: vrp.cpp's reader before the parser-event one.
Result<Vrp> reference_vrp(const json& e) {
  if (!e.is_object()) return fail("is not an object");
  auto field = [&](const char* name) -> const json* {
    auto it = e.find(name);
    return it == e.end() ? nullptr : &*it;
  };
  const json* asn = field("asn");
  const json* prefix = field("prefix");
  const json* max_length = field("maxLength");
  const json* ta = field("ta");
  for (auto [name, v] : {std::pair{"asn", asn}, {"prefix", prefix}, {"maxLength", max_length}, {"ta", ta}})
    if (!v) return fail(std::string("has no \"") + name + "\"");
  uint32_t as = 0;
  if (asn->is_string()) {
    auto a = parse_as_text(asn->get_ref<const std::string&>());
    if (!a) return a.take_error();
    as = *a;
  } else if (asn->is_number_unsigned() && asn->get<uint64_t>() <= 0xFFFFFFFFull) {
    as = static_cast<uint32_t>(asn->get<uint64_t>());
  } else {
    return fail("asn " + asn->dump() + " is not an AS number like \"AS64496\"");
  }
  if (!prefix->is_string()) return fail("prefix is not a string");
  auto ml = json_uint(*max_length, "maxLength", 0, 255);
  if (!ml) return ml.take_error();
  if (!ta->is_string()) return fail("ta is not a string");
  return make_vrp(as, prefix->get_ref<const std::string&>(), *ml, ta->get<std::string>());
}

Status reference_each(std::string_view in, const std::function<void()>& restart,
                      const std::function<void(uint64_t, Result<Vrp>&&)>& entry) {
  std::string top_key;
  bool in_roas = false, had_roas = false;
  uint64_t position = 0;
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    using E = json::parse_event_t;
    if (depth == 1 && event == E::key) top_key = parsed.get<std::string>();
    if (depth == 1 && event == E::array_start && top_key == "roas") {
      if (had_roas) restart();
      had_roas = in_roas = true;
      position = 0;
    }
    if (depth == 1 && event == E::array_end) in_roas = false;
    if (depth != 2 || !in_roas || (event != E::object_end && event != E::array_end && event != E::value)) return true;
    ++position;
    auto v = reference_vrp(parsed);
    if (!v) v = fail("roas[" + std::to_string(position - 1) + "]: " + v.error());
    entry(position, std::move(v));
    return false;
  };
  json doc;
  try {
    doc = json::parse(in, on_event);
  } catch (const json::parse_error& e) {
    return fail(std::string("VRP JSON is not valid JSON: ") + e.what());
  } catch (const json::exception& e) {
    return fail(std::string("VRP JSON is not usable: ") + e.what());
  }
  if (!doc.is_object()) return fail("VRP JSON must be an object with a \"roas\" array");
  auto roas = doc.find("roas");
  if (roas == doc.end() || !roas->is_array()) return fail("VRP JSON has no \"roas\" array");
  return {};
}

// Everything a reader hands on, in order, and how it ends: one line each.
template <class Read>
std::string transcript(std::string_view text, Read&& read) {
  std::string out;
  auto restart = [&] { out += "restart\n"; };
  auto entry = [&](uint64_t at, Result<Vrp>&& v) {
    out += std::to_string(at) + " ";
    out += v ? "AS" + std::to_string(v->asn) + " " + v->prefix.to_string() + " " + std::to_string(v->max_length) +
                   " " + v->ta
             : "error " + v.error();
    out += "\n";
  };
  Status s = read(text, restart, entry);
  return out + (s ? "ok" : "failed: " + s.error()) + "\n";
}

std::string reference(std::string_view text) { return transcript(text, reference_each); }
std::string streamed(std::string_view text) {
  return transcript(text, [](std::string_view t, const auto& restart, const auto& entry) {
    std::istringstream in{std::string(t)};
    return each_vrp_json(in, restart, entry);
  });
}
std::string parallel(std::string_view text) {
  return transcript(text, [](std::string_view t, const auto& restart, const auto& entry) {
    std::istringstream in{std::string(t)};
    return each_vrp_json_parallel(in, restart, entry);
  });
}

void same_as_reference(const std::string& text) {
  INFO("input: " << (text.size() > 300 ? text.substr(0, 300) + "..." : text));
  const std::string want = reference(text);
  CHECK(streamed(text) == want);
  CHECK(parallel(text) == want);
  // read_vrps_json takes the text itself, not a stream: the same reader.
  auto file = read_vrps_json(text);
  CHECK(file.ok() == (want.substr(want.rfind('\n', want.size() - 2) + 1) == "ok\n"));
}

const std::string kGood = R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})";

std::string roas(const std::string& entries) { return R"({"metadata": {"generated": 1}, "roas": [)" + entries + "]}"; }

}  // namespace

TEST_CASE("vrp json events: good entries and every kind of bad entry as the document reader had them") {
  // Entries whose members are wrong, each once (and within one file).
  const std::vector<std::string> entries = {
      kGood,
      R"({"asn": 64496, "prefix": "2001:db8::/32", "maxLength": 48, "ta": "apnic"})",
      R"({"ta": "t", "maxLength": 24, "prefix": "10.0.0.0/24", "asn": "AS7", "extra": [1, {"x": null}]})",
      R"({"asn": "AS1", "asn": "AS2", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": [1, [2, {"b": 3, "a": [true]}]], "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": {"z": 1, "a": {}}, "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": {}, "asn": "AS9", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS9", "asn": [], "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": 4294967296, "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": 18446744073709551616, "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": -5, "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": 1.5, "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": 1e3, "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": null, "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": true, "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS01", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS99999999999", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS4294967296", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS1", "prefix": 10, "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS1", "prefix": ["10.0.0.0/24"], "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.1/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0-10.0.0.9", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "AS5/8", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": "24", "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 256, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 99999999999999999999, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": -24, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24.0, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": {"v": 24}, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 23, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 33, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": 5})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "a b"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": ""})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "\u0074"})",
      R"({"prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS1", "maxLength": 24, "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "ta": "t"})",
      R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24})",
      R"({})",
      R"([])",
      R"([1, [2, [3]], {"asn": "AS1"}])",
      R"(7)", R"("AS1")", R"(null)", R"(-1)", R"(2.5)", R"(false)",
      R"({"\u0061sn": "AS3", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})",
  };
  std::string all;
  for (const auto& e : entries) {
    same_as_reference(roas(e));
    all += (all.empty() ? "" : ", ") + e;
  }
  same_as_reference(roas(all));
  // A test of the test: the transcript says what each entry became.
  const std::string t = streamed(roas(all));
  CHECK(t.find("1 AS1 10.0.0.0/24 24 t\n") == 0);
  CHECK(t.find("roas[8]: asn 4294967296 is not an AS number") != std::string::npos);
  CHECK(t.find("roas[4]: asn [1,[2,{\"a\":[true],\"b\":3}]] is not an AS number") != std::string::npos);
  CHECK(t.find("roas[24]: maxLength is 256, not a whole number in 0-255") != std::string::npos);
  CHECK(t.substr(t.size() - 3) == "ok\n");
}

TEST_CASE("vrp json events: the file's shape as the document reader had it") {
  const std::string one = R"({"asn": "AS2", "prefix": "10.0.1.0/24", "maxLength": 24, "ta": "t"})";
  for (const std::string& text : {
           roas(""), roas(kGood), std::string("[]"), std::string("5"), std::string("\"roas\""), std::string("{}"),
           std::string(R"({"roas": 5})"), std::string(R"({"roas": {}})"), std::string(R"({"roas": null})"),
           std::string(R"({"\u0072oas": [)" + kGood + "]}"),
           std::string(R"({"roas": [)" + kGood + R"(], "roas": [)" + one + "]}"),
           std::string(R"({"roas": [)" + kGood + R"(], "roas": 5})"),
           std::string(R"({"roas": 5, "roas": [)" + kGood + "]}"),
           std::string(R"({"roas": [)" + kGood + R"(], "roas": [)" + one + R"(], "roas": [7]})"),
           std::string(R"({"metadata": {"roas": [)" + kGood + R"(]}, "roas": [[)" + kGood + "], " + one +
                       R"(], "after": [3, [4]], "x": {"roas": [1]}})"),
           std::string(R"([{"roas": [)" + kGood + "]}]"),
           std::string(R"({"roas": [)" + kGood + "]} trailing"),
           std::string(R"({"roas": [)" + kGood + ", 1e999]}"),
           std::string(R"({"roas": [)" + kGood + R"(, {"asn": 1e999}]})"),
           std::string(R"({"roas": [)" + kGood + ", -1e999]}"),
           std::string("{\"roas\": [\"\xff\xfe\"]}"),
           std::string(""), std::string("   "), std::string("{\"roas\": [" + kGood + ", " + kGood),
           std::string(100000, '[') + std::string(100000, ']'),
           std::string(R"({"roas": [)") + std::string(5000, '[') + std::string(5000, ']') + "]}",
       })
    same_as_reference(text);
  // A test of the test: the two readers are told apart when they differ.
  CHECK(reference(roas(kGood)) != reference(roas(one)));
}

TEST_CASE("vrp json events: every cut of a file and seeded byte changes give what the document reader gave") {
  const std::string text = roas(kGood + R"(, {"asn": 64496, "prefix": "2001:db8::/32", "maxLength": 48, "ta": "x",)"
                                        R"( "n": [1, {"a": null}]}, 7, {"asn": "AS3", "prefix": "10.0.3.0/24",)"
                                        R"( "maxLength": 24, "ta": "t"})");
  for (size_t cut = 0; cut <= text.size(); ++cut) same_as_reference(text.substr(0, cut));
  std::mt19937_64 rng(7);
  const std::string bytes = "{}[]\",:0123456789-+.eE \\ntrufalsAS/x\xff";
  for (int round = 0; round < 2000; ++round) {
    std::string t = text;
    for (int k = 0; k < 1 + round % 3; ++k) t[rng() % t.size()] = bytes[rng() % bytes.size()];
    same_as_reference(t);
  }
}

TEST_CASE("vrp json events: Routinator's real AFRINIC output reads as it did") {
  std::ifstream in(kRealVrps, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const std::string want = reference(text);
  CHECK(streamed(text) == want);
  CHECK(want.find("error") == std::string::npos);
  CHECK(std::count(want.begin(), want.end(), '\n') > 1000);
}

TEST_CASE("vrp json parsed on another thread: many batches, restarts and a late failure arrive in order") {
  // More entries than the parser may hold ahead, so it waits for the
  // reader; a repeated "roas" restarts mid-batch; a cut file fails last.
  const size_t n = kVrpBatch * kVrpBatchesAhead * 2 + 17;
  std::string entries;
  for (size_t i = 0; i < n; ++i) {
    if (i) entries += ", ";
    entries += i % 1000 == 999 ? "7"
                               : R"({"asn": )" + std::to_string(i) + R"(, "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})";
  }
  const std::string first = R"({"roas": [)" + entries + "], ";
  for (const std::string& text : {first + R"("roas": [)" + kGood + "]}", first + R"("roas": [)" + entries + "]}",
                                  first + R"("roas": [)" + entries}) {
    const std::string want = reference(text);
    CHECK(parallel(text) == want);
    CHECK(std::count(want.begin(), want.end(), '\n') > static_cast<long>(n));
  }
  CHECK(parallel(first + R"("roas": [)" + entries).find("failed: VRP JSON is not valid JSON") != std::string::npos);
}

TEST_CASE("vrp json events: a member nested past 64 levels is a precise error, not a crash") {
  auto nested = [](size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); };
  auto entry = [](const std::string& member, const std::string& value) {
    std::string e = R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t", )";
    return roas(e + "\"" + member + "\": " + value + "}");
  };
  // Up to the limit the value is kept whole: the errors are as they were.
  for (const char* member : {"asn", "maxLength", "prefix", "ta"}) same_as_reference(entry(member, nested(64)));
  CHECK(streamed(entry("asn", nested(64))).find("roas[0]: asn [[[[") != std::string::npos);
  // Past it (the document reader crashed printing 200,000 levels).
  for (size_t levels : {size_t{65}, size_t{200000}}) {
    const std::string asn = streamed(entry("asn", nested(levels)));
    CHECK(asn.find("1 error roas[0]: asn nests more than 64 levels deep; not an AS number\nok\n") == 0);
    const std::string ml = streamed(entry("maxLength", nested(levels)));
    CHECK(ml.find("roas[0]: maxLength nests more than 64 levels deep; not a whole number in 0-255") !=
          std::string::npos);
    CHECK(streamed(entry("prefix", nested(levels))).find("roas[0]: prefix is not a string") != std::string::npos);
    CHECK(streamed(entry("other", nested(levels))) == "1 AS1 10.0.0.0/24 24 t\nok\n");
    // The value after a deep one is read afresh.
    CHECK(streamed(roas(R"({"asn": )" + nested(levels) + R"(, "asn": "AS5", "prefix": "10.0.0.0/24", "maxLength": 24,)"
                        R"( "ta": "t"}, )" + kGood)) == "1 AS5 10.0.0.0/24 24 t\n2 AS1 10.0.0.0/24 24 t\nok\n");
  }
}
