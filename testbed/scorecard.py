#!/usr/bin/python3
"""The detection scorecard over testbed runs: `ward eval` on each run's capture and labels, one
markdown table row per run (the run's labelled class: found, recall, precision, time to detect;
all its alerts, and how many matched no label).

Usage: scorecard.py --ward WARD --policy POLICY RUN_DIR [RUN_DIR ...]
  RUN_DIR  a `testbed/run --out` folder (capture.pcap, labels.json); its name is the scenario's

Prints the table on stdout; exits 1 when a run could not be scored.
"""
import argparse
import json
import os
import subprocess
import sys


def fmt(x, digits=3):
    return "-" if x is None else ("%.*f" % (digits, x))


def packets(pcap):
    r = subprocess.run(["tcpdump", "-r", pcap, "-n", "-q"], capture_output=True, text=True, timeout=300)
    return len(r.stdout.splitlines())


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ward", required=True)
    ap.add_argument("--policy", required=True)
    ap.add_argument("runs", nargs="+")
    a = ap.parse_args(argv)
    print("| scenario | packets | labelled class | labels | found | recall | precision | ttd_s | alerts | unmatched | unmatched by class |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    bad = 0
    for run in a.runs:
        name = os.path.basename(os.path.normpath(run))
        cap, labels = os.path.join(run, "capture.pcap"), os.path.join(run, "labels.json")
        r = subprocess.run([a.ward, "eval", "--policy", a.policy, "--labels", labels, cap, "--format", "json"],
                           capture_output=True, text=True, timeout=900)
        if r.returncode not in (0, 3):
            print("scorecard: %s: ward eval exited %d: %s" % (name, r.returncode, r.stderr.strip()[:300]),
                  file=sys.stderr)
            bad += 1
            continue
        s = json.loads(r.stdout)
        with open(labels) as f:
            classes = sorted({l["class"] for l in json.load(f)})
        unmatched = s["alerts"] - s["true_alerts"] - s["related_alerts"]
        by_class = ", ".join("%s %d" % (k, v["alerts"] - v["true_alerts"] - v["related_alerts"])
                             for k, v in sorted(s["classes"].items())
                             if v["alerts"] - v["true_alerts"] - v["related_alerts"] > 0)
        n = packets(cap)
        if not classes:
            print("| %s | %d | (none) | 0 | - | - | - | - | %d | %d | %s |" % (name, n, s["alerts"], unmatched, by_class))
        elif len(classes) > 1:
            print("| %s | %d | %d classes | %d | %d | %s | %s | %s | %d | %d | %s |" % (
                name, n, len(classes), s["labels"], s["detected"], fmt(s["recall"]), fmt(s["precision"]),
                fmt(s["time_to_detect_s"], 2), s["alerts"], unmatched, by_class))
        else:
            c = s["classes"][classes[0]]
            print("| %s | %d | `%s` | %d | %d | %s | %s | %s | %d | %d | %s |" % (
                name, n, classes[0], c["labels"], c["detected"], fmt(c["recall"]), fmt(c["precision"]),
                fmt(c["time_to_detect_s"], 2), s["alerts"], unmatched, by_class))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
