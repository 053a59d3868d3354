#include "cli/unknown_words.h"

#include <algorithm>

namespace nl::cli {

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string command_path(const CLI::App* app) {
  std::string path;
  for (const CLI::App* a = app; a; a = a->get_parent()) path = a->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

std::string suggestion(std::string_view word, const std::vector<std::string>& names) {
  auto best = closest_name(word, names);
  return best ? "; did you mean '" + *best + "'?" : "";
}

}  // namespace

std::optional<std::string> closest_name(std::string_view word, const std::vector<std::string>& names) {
  std::optional<std::string> best;
  size_t best_d = std::max<size_t>(1, word.size() / 3) + 1;
  for (const auto& n : names) {
    const size_t d = edit_distance(word, n);
    if (d < best_d) best_d = d, best = n;
  }
  return best;
}

std::optional<std::string> unknown_word(CLI::App& app, const std::vector<std::string>& args) {
  CLI::App* cur = &app;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& t = args[i];
    if (t == "--") return std::nullopt;
    if (t.size() > 1 && t[0] == '-' && !(t[1] >= '0' && t[1] <= '9')) {
      const std::string name = t.substr(0, t.find('='));
      const CLI::Option* opt = cur->get_option_no_throw(name);
      if (!opt) {
        std::vector<std::string> known;
        for (const CLI::Option* o : cur->get_options()) {
          for (const auto& l : o->get_lnames()) known.push_back("--" + l);
          for (const auto& s : o->get_snames()) known.push_back("-" + s);
        }
        // A short flag is most likely the long one with its letter: -o, --out.
        std::string hint;
        if (name.size() == 2 && name[1] != '-')
          for (const auto& k : known)
            if (k.size() > 3 && k[0] == '-' && k[1] == '-' && k[2] == name[1]) {
              hint = "; did you mean '" + k + "'?";
              break;
            }
        if (hint.empty()) hint = suggestion(name, known);
        return "unknown option '" + name + "' for '" + command_path(cur) + "'" + hint + " (see " +
               command_path(cur) + " --help)";
      }
      // Its value, when given apart, is not a word to check.
      if (t.find('=') == std::string::npos && opt->get_items_expected_max() > 0 && i + 1 < args.size()) ++i;
      continue;
    }
    auto subs = cur->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) continue;  // a positional argument of a command
    CLI::App* next = nullptr;
    std::vector<std::string> names;
    for (CLI::App* s : subs) {
      names.push_back(s->get_name());
      if (s->check_name(t)) next = s;
    }
    // A group that also takes a positional (`query RESOURCE`) takes the
    // word, unless it is a slip of one of its commands (`query acount`).
    const bool takes_positional =
        !cur->get_options([](const CLI::Option* o) { return !o->nonpositional(); }).empty();
    if (!next && takes_positional && !closest_name(t, names)) continue;
    if (!next)
      return "unknown command '" + t + "' for '" + command_path(cur) + "'" + suggestion(t, names) + " (see " +
             command_path(cur) + " --help)";
    cur = next;
  }
  return std::nullopt;
}

}  // namespace nl::cli
