#!/usr/bin/env python3
"""Data quality of every registry file we have (issue 18, item 6).

For every delegated statistics file in the data directory (../shared/data
by default), runs the real importer, `numledger import rir FILE --iana-ipv4
--iana-ipv6 --json` (and, for a registry whose VRP file is there, `--vrps`),
and sorts the inconsistencies it reports into classes, each with its count
and the first line that shows it. The classes, and what in the registries'
practice produces each, are in whitepaper/institutional-data.md, "Data
quality across every file".

  scripts/data-quality.py [--build DIR] [--data DIR] [--json] [--all]

Prints Markdown tables: the files, the counts by class for each file, and
one example line per class (--all: per class and file); or, with --json,
one JSON object. Exit 1 when a
file cannot be imported or the data directory holds no statistics file.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The classes (whitepaper/institutional-data.md explains each). A record
# whose /8 IANA designates elsewhere is told apart by its registration
# date: registered before its registry existed, it came to it from the
# registry that served the region before (ARIN's Early Registration
# Transfers, the records AFRINIC took over at its start); registered
# later, it came by an inter-RIR transfer or from IANA's recovered pool
# (2014), which IANA's /8 file does not show.
ERX_LEGACY = "registered before the RIR existed, in a legacy /8"
ERX_OTHER = "registered before the RIR existed, in another RIR's /8"
LATER_LEGACY = "registered later, in a legacy /8"
LATER_OTHER = "registered later, in another RIR's /8"
IANA_KEEPS = "in space IANA's file keeps"
STRADDLE = "across the edge of a designation"
# When each RIR began (recognised by IANA/ICANN).
FOUNDED = {"ripencc": "19920401", "apnic": "19930101", "arin": "19971222", "lacnic": "20021031",
           "afrinic": "20050408"}
RIRS = {"ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC"}


def classify(kind, detail, registry, line):
    """The class of one inconsistency, and the registry IANA names, if any."""
    if kind != "outside-iana":
        return kind, ""
    m = re.search(r"which IANA designates to (\S+) \((.*)\); imported", detail)
    if m:
        iana_registry, designation = m.group(1), m.group(2)
        # IANA's own words: "Administered by ARIN", or an organisation's
        # name, for space given out before the RIRs existed.
        legacy = designation.strip().upper() not in RIRS
        fields = line.split("|")
        date = fields[5] if len(fields) > 5 else ""
        early = bool(re.fullmatch(r"\d{8}", date)) and date < FOUNDED.get(registry, "0")
        if early:
            return (ERX_LEGACY if legacy else ERX_OTHER), iana_registry
        return (LATER_LEGACY if legacy else LATER_OTHER), iana_registry
    if "straddles the edge" in detail:
        return STRADDLE, ""
    return IANA_KEEPS, ""


def read_line(path, number, cache={}):
    if number <= 0:
        return ""
    if path not in cache:
        with open(path, encoding="utf-8", errors="replace") as f:
            cache[path] = f.read().splitlines()
    lines = cache[path]
    return lines[number - 1] if number <= len(lines) else ""


def stats_files(data):
    out = []
    for name in sorted(os.listdir(data)):
        m = re.fullmatch(r"delegated-([a-z]+)-extended-(\d{8})", name)
        if m:
            out.append((m.group(1), m.group(2), os.path.join(data, name)))
    return out


def vrp_file(data, registry, date):
    """A VRP file of the same registry within 31 days of the statistics."""
    for name in sorted(os.listdir(data)):
        m = re.fullmatch(r"vrps-([a-z]+)-(\d{8})\.json", name)
        if m and m.group(1) == registry and abs(int(m.group(2)) - int(date)) <= 31:
            return os.path.join(data, name)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--data", default=os.environ.get("NL_DATA_DIR", os.path.join(ROOT, "..", "shared", "data")),
                    help="the data directory (default: $NL_DATA_DIR, else ../shared/data next to the source tree)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the tables")
    ap.add_argument("--all", action="store_true", help="an example row for every file, not only the first per class")
    args = ap.parse_args()
    cli = os.path.join(args.build, "numledger")
    if not os.access(cli, os.X_OK):
        sys.exit(f"data-quality: {cli} is missing; build first")
    data = os.path.abspath(args.data)
    files = stats_files(data) if os.path.isdir(data) else []
    if not files:
        sys.exit(f"data-quality: no delegated-*-extended-* file in {data} (../shared/data, see its README)")
    iana4 = os.path.join(data, "iana-ipv4-address-space.csv")
    iana6 = os.path.join(data, "iana-ipv6-unicast-address-assignments.csv")
    for f in (iana4, iana6):
        if not os.path.exists(f):
            sys.exit(f"data-quality: {f} is missing")

    rows, totals = [], []
    with tempfile.TemporaryDirectory(prefix="nl-data-quality.") as tmp:
        validator = subprocess.run([cli, "key", "new", "--no-passphrase", "--out", os.path.join(tmp, "v.key")],
                                   capture_output=True, text=True, check=True).stdout.strip()
        for registry, date, path in files:
            argv = [cli, "import", "rir", path, "--iana-ipv4", iana4, "--iana-ipv6", iana6, "--chain-id", "dq",
                    "--validator", validator, "--keystore", os.path.join(tmp, "ks-" + registry + date),
                    "--out", os.path.join(tmp, "g.json"), "--force", "--no-passphrase", "--json"]
            vrps = vrp_file(data, registry, date)
            if vrps:
                argv += ["--vrps", vrps]
            r = subprocess.run(argv, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"data-quality: import of {path} failed ({r.returncode}): {r.stderr.strip()}")
            rep = json.loads(r.stdout)
            classes = {}
            for i in rep["inconsistencies"]:
                text = read_line(i["file"], i["line"]) if i["line"] and not i["file"].endswith(".json") else ""
                cls, sub = classify(i["kind"], i["detail"], registry, text)
                c = classes.setdefault((cls, sub), {"count": 0, "example": None})
                c["count"] += 1
                if c["example"] is None:
                    f = i["file"]
                    c["example"] = {"file": os.path.basename(f), "line": i["line"],
                                    "text": text,
                                    "detail": i["detail"]}
            records = sum(f["record_lines"] for f in rep["files"] if "record_lines" in f)
            totals.append({"registry": registry, "date": date, "records": records,
                           "inconsistencies": len(rep["inconsistencies"]), "vrps": os.path.basename(vrps) if vrps else None})
            for (cls, sub), c in sorted(classes.items(), key=lambda kv: (-kv[1]["count"], kv[0])):
                rows.append({"registry": registry, "date": date, "class": cls, "iana_registry": sub, **c})

    if args.json:
        print(json.dumps({"files": totals, "classes": rows}, indent=2))
        return
    print("| registry | date | records | inconsistencies | VRP file |")
    print("|---|---|---:|---:|---|")
    for t in totals:
        print(f"| {t['registry']} | {t['date']} | {t['records']:,} | {t['inconsistencies']:,} | {t['vrps'] or '-'} |")
    print()
    # Counts by class, one row per file; every class the importer can report
    # is a column, so a zero is a finding too.
    classes = [ERX_LEGACY, ERX_OTHER, LATER_LEGACY, LATER_OTHER, IANA_KEEPS, STRADDLE]
    classes += sorted({r["class"] for r in rows} - set(classes))
    print("| registry | date | " + " | ".join(classes) + " |")
    print("|---|---|" + "---:|" * len(classes))
    for t in totals:
        n = {c: 0 for c in classes}
        for r in rows:
            if (r["registry"], r["date"]) == (t["registry"], t["date"]):
                n[r["class"]] += r["count"]
        print(f"| {t['registry']} | {t['date']} | " + " | ".join(f"{n[c]:,}" for c in classes) + " |")
    print()
    print("| class | IANA names | registry | date | count in that file | example (file:line) |")
    print("|---|---|---|---|---:|---|")
    shown = set()
    for r in rows:
        key = (r["class"], r["iana_registry"])
        if key in shown and not args.all:
            continue
        shown.add(key)
        ex = r["example"]
        text = ex["text"] or ex["detail"]
        text = text if len(text) <= 90 else text[:87] + "..."
        print(f"| {r['class']} | {r['iana_registry'] or '-'} | {r['registry']} | {r['date']} | {r['count']:,} | "
              f"`{text}` ({ex['file']}:{ex['line']}) |")

if __name__ == "__main__":
    main()
