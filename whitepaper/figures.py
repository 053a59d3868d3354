#!/usr/bin/python3
"""The whitepaper's figures, drawn from one reproduce.sh output directory.

  /usr/bin/python3 whitepaper/figures.py --out DIR

DIR is what `whitepaper/reproduce.sh --out DIR` wrote. Reads:
  raw/<step>.txt      each step's output, verbatim (proofs, netns, testnet)
  steps.tsv           name, exit status, seconds, command of every step
  samples/<name>.txt  latencies, one "<label> <seconds>" line each; every
                      file is one set of curves in the latency CDF. The
                      testnet step writes samples/testnet.txt; the replay
                      and ROA-to-router steps (issue 18, items 1 and 2)
                      are to write samples/replay.txt and
                      samples/roa_to_router.txt in the same form.
  samples/ledger-growth.tsv
                      "<label> <date YYYY-MM-DD> <ledger bytes>" lines, one
                      per replayed snapshot (the replay step's, when present)
Writes figures/*.png, results.json (every parsed number and each step's
status) and figures.md (the PNGs with captions, for the PDF). A figure
whose data is missing is listed in figures.md as not drawn, and why.
"""
import argparse
import csv
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")  # no display: reproduce.sh runs headless
import matplotlib.pyplot as plt  # noqa: E402

NUM = r"([0-9]+(?:\.[0-9]+)?)"


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def table_after(text, header_start, columns):
    """The rows of numbers (`columns` of them) right after a header line."""
    rows, inside = [], False
    for line in text.splitlines():
        if line.strip().startswith(header_start):
            inside = True
            continue
        if inside:
            m = re.match(r"^\s*" + r"\s+".join([NUM] * columns) + r"\b", line)
            if not m:
                break
            rows.append([float(x) for x in m.groups()])
    return rows


def parse_proofs(text):
    return {
        "by_validators": [dict(validators=int(n), bytes=int(b), verify_us=v)
                          for n, b, v in table_after(text, "validators  proof bytes", 3)],
        "by_set_changes": [dict(changes=int(c), bytes=int(b), verify_us=v)
                           for c, b, v in table_after(text, "set changes  proof bytes", 3)],
        "by_custody_depth": [dict(validators=int(n), depth=int(d), bytes=int(b), verify_us=v)
                             for n, d, b, v in table_after(text, "validators  custody depth", 4)],
    }


def parse_netns(text):
    return [dict(validators=int(n), rtt_ms=int(r), tx_per_s=t, p50_ms=p, p99_ms=q)
            for n, r, t, p, q in table_after(text, "validators  rtt_ms", 5)]


def parse_testnet(text):
    out = {}
    pats = {
        "sustained_tx_per_s": r"sustained committed tx/s\s+" + NUM,
        "light_p50_s": r"light load\s+p50 " + NUM,
        "light_p99_s": r"light load\s+p50 [0-9.]+ s\s+p99 " + NUM,
        "empty_blocks_per_s": r"empty blocks/s \(--block-interval 0\)\s+" + NUM,
        "observer_sync_tx_per_s": r"new observer sync\s+[0-9.]+ blocks/s\s+" + NUM,
    }
    for key, pat in pats.items():
        m = re.search(pat, text)
        if m:
            out[key] = float(m.group(1))
    return out


def read_samples(path):
    series = {}
    for line in read(path).splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                series.setdefault(parts[0], []).append(float(parts[1]))
            except ValueError:
                pass
    return series


def steps(out):
    rows = []
    with open(os.path.join(out, "steps.tsv"), encoding="utf-8") as f:
        for r in csv.reader(f, delimiter="\t"):
            if len(r) >= 4:
                rows.append(dict(name=r[0], status=r[1], seconds=float(r[2] or 0), command=r[3]))
    return rows


def save(fig, out, name):
    path = os.path.join(out, "figures", name)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def latency_cdf(out, notes):
    sdir = os.path.join(out, "samples")
    files = sorted(f for f in os.listdir(sdir) if f.endswith(".txt")) if os.path.isdir(sdir) else []
    curves = []
    for f in files:
        for label, values in read_samples(os.path.join(sdir, f)).items():
            if values:
                curves.append((f[:-4] + ": " + label, sorted(values)))
    if not curves:
        notes.append(("latency-cdf.png", None, "no latency samples (the testnet step did not run)"))
        return
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for label, v in curves:
        n = len(v)
        ax.step(v, [(i + 1) / n for i in range(n)], where="post", label=f"{label} (n = {n})")
    # RPKI has no sample file: its published delays are drawn as marks
    # (study-roa-to-router.md quotes them with their sources).
    for x, label in ((300, "RPKI: RIRs usually publish within 5 min"),
                     (600, "RPKI: Routinator refreshes every 10 min"),
                     (3600, "RPKI: ISPs react in minutes to 1 h")):
        ax.axvline(x, color="grey", linestyle=":", linewidth=1)
        ax.text(x, 0.02, label, rotation=90, fontsize=6, color="grey", ha="right", va="bottom")
    ax.set_xscale("log")
    ax.set_xlabel("submit to commit, or to the router's table (s, log scale)")
    ax.set_ylabel("fraction of transactions")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    missing = [s for s in ("roa_to_router",) if not os.path.exists(os.path.join(sdir, s + ".txt"))]
    title = "Latency: numledger against RPKI's published delays"
    if missing:
        title += " (no samples yet: " + ", ".join(missing) + ")"
    ax.set_title(title, fontsize=9)
    save(fig, out, "latency-cdf.png")
    notes.append(("latency-cdf.png", "Distribution of submit-to-commit latency: the 4-validator loopback "
                  "testnet paced at half its saturation rate and at light load (bench_testnet), a holder's "
                  "authorize until a real BIRD 2's ROA table holds it (bench_roa_to_router), and, as dotted "
                  "marks, RPKI's published delays (study-roa-to-router.md).", None))


def ledger_growth(out, notes):
    rows = []
    for line in read(os.path.join(out, "samples", "ledger-growth.tsv")).splitlines():
        p = line.split()
        if len(p) == 3:
            rows.append((p[0], p[1], float(p[2])))
    if not rows:
        notes.append(("ledger-growth.png", None, "no samples/ledger-growth.tsv (written by the replay step, "
                      "issue 18 item 1, once it is added)"))
        return
    import datetime as dt
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for label in sorted({r[0] for r in rows}):
        pts = sorted((dt.date.fromisoformat(d), b) for l, d, b in rows if l == label)
        ax.plot([p[0] for p in pts], [p[1] / 1e6 for p in pts], marker="o", label=label)
    ax.set_ylabel("ledger (MB)")
    ax.set_title("Ledger growth under replayed real registry change", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, out, "ledger-growth.png")
    notes.append(("ledger-growth.png", "Ledger size after replaying each real snapshot diff.", None))


def proof_size(out, proofs, notes):
    byv, byd = proofs["by_validators"], proofs["by_custody_depth"]
    if not byv and not byd:
        notes.append(("proof-size.png", None, "no bench_proofs output (raw/proofs.txt)"))
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.6, 3.4))
    if byv:
        a.plot([r["validators"] for r in byv], [r["bytes"] / 1024 for r in byv], marker="o")
    a.axhline(4, color="grey", linestyle="--", linewidth=0.8, label="4 KiB target")
    a.set_xlabel("validators N")
    a.set_ylabel("proof size (KiB)")
    a.set_title("against validator count (depth 1)", fontsize=9)
    a.legend(fontsize=8)
    for n in sorted({r["validators"] for r in byd}):
        pts = [r for r in byd if r["validators"] == n]
        b.plot([r["depth"] for r in pts], [r["bytes"] / 1024 for r in pts], marker="o", label=f"N = {n}")
    b.axhline(4, color="grey", linestyle="--", linewidth=0.8)
    b.set_xlabel("custody depth (hops, each in its own block)")
    b.set_title("against custody depth", fontsize=9)
    b.legend(fontsize=8)
    for ax in (a, b):
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
    save(fig, out, "proof-size.png")
    notes.append(("proof-size.png", "Proof-of-control size (format 4) against the validator count and the "
                  "custody depth (bench_proofs).", None))


def throughput(out, netns, testnet, notes):
    if not netns and "sustained_tx_per_s" not in testnet:
        notes.append(("throughput.png", None, "no bench_netns or bench_testnet output"))
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.6, 3.4))
    for rtt in sorted({r["rtt_ms"] for r in netns}):
        pts = sorted((r["validators"], r["tx_per_s"]) for r in netns if r["rtt_ms"] == rtt)
        a.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"namespaces, RTT {rtt} ms")
    if "sustained_tx_per_s" in testnet:
        a.plot([4], [testnet["sustained_tx_per_s"]], marker="s", linestyle="", label="loopback (bench_testnet)")
    a.set_xlabel("validators N")
    a.set_ylabel("committed tx/s")
    a.set_title("throughput against N", fontsize=9)
    a.legend(fontsize=7)
    for n in sorted({r["validators"] for r in netns}):
        pts = sorted((r["rtt_ms"], r["p50_ms"]) for r in netns if r["validators"] == n)
        b.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"N = {n}")
    b.set_xlabel("round trip (ms)")
    b.set_ylabel("submit to commit p50 (ms)")
    b.set_title("latency against RTT (bench_netns)", fontsize=9)
    if netns:
        b.legend(fontsize=7)
    for ax in (a, b):
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
    save(fig, out, "throughput.png")
    notes.append(("throughput.png", "Committed transactions per second against the validator count, and "
                  "median latency against the round trip (bench_netns; one machine, 2 shared cores).", None))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="the directory reproduce.sh wrote")
    out = os.path.abspath(ap.parse_args().out)
    os.makedirs(os.path.join(out, "figures"), exist_ok=True)
    raw = lambda name: read(os.path.join(out, "raw", name + ".txt"))  # noqa: E731

    parsed = {
        "proofs": parse_proofs(raw("proofs")),
        "netns": parse_netns(raw("netns")),
        "testnet": parse_testnet(raw("testnet")),
        "steps": steps(out),
    }
    notes = []
    latency_cdf(out, notes)
    ledger_growth(out, notes)
    proof_size(out, parsed["proofs"], notes)
    throughput(out, parsed["netns"], parsed["testnet"], notes)
    parsed["figures"] = {name: (why or "drawn") for name, _, why in notes}

    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(parsed, f, indent=1)
    with open(os.path.join(out, "figures.md"), "w", encoding="utf-8") as f:
        f.write("# Figures\n\nDrawn by `whitepaper/figures.py` from this run's output.\n\n")
        for name, caption, why in notes:
            if why:
                f.write(f"- `{name}` not drawn: {why}.\n\n")
            else:
                f.write(f"![{caption}](figures/{name})\n\n*{caption}*\n\n")
    for name, _, why in notes:
        print(f"{name}: {why or 'drawn'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
