#!/usr/bin/env python3
"""testbed/check_dicom.py LOGS: did the testbed's DICOM sessions succeed, by dcmtk's own logs?

Over a run's logs folder (testbed/run's start_dicom):
  - storescu.log: the CT's stores answered Success, storescu exit 0;
  - dcmqrscp.log (the PACS): as many C-STORE requests received and answered Success, and as many
    files archived in logs/pacs (index.dat aside);
  - findscu.log: each query (STUDY by PatientID, then SERIES of the study found) exited 0 with at
    least one pending response; every STUDY response names the patient asked for and a study
    the PACS archived, every SERIES response a series it archived, with its modality (the
    archived files read with dcmdump);
  - dcmqrscp.log: as many C-FIND requests received as findscu sent, and as many pending
    responses sent as findscu received.
Prints one ok/FAIL line per check; exits 0 when all pass, 1 otherwise, 2 on bad usage.
"""
import os
import re
import subprocess
import sys

if len(sys.argv) != 2:
    sys.exit("usage: check_dicom.py LOGS")
logs = sys.argv[1]
fails = 0


def result(good, text):
    global fails
    print(("ok: " if good else "FAIL: ") + text)
    fails += 0 if good else 1


def read(name):
    path = os.path.join(logs, name)
    if not os.path.exists(path):
        return ""
    # dcmtk prints element values as they are, UIDs with their NUL padding.
    return open(path, "rb").read().decode("latin-1").replace("\0", "")


def elements(lines):
    """The (tag, value) pairs of dcmtk's data set dump lines ("I: (0020,000d) UI [v] # ...")."""
    out = {}
    for line in lines:
        m = re.match(r"^[IWE]: \(([0-9a-f]{4},[0-9a-f]{4})\) \w\w \[([^\]]*)\]", line)
        if m:
            out.setdefault(m.group(1), m.group(2).strip())
    return out


def dimse(text):
    """dcmtk's DIMSE message dumps: (direction, message type, status) in order."""
    out = []
    for m in re.finditer(r"(INCOMING|OUTGOING) DIMSE MESSAGE =+\n(.*?)END DIMSE MESSAGE", text, re.S):
        f = dict(re.findall(r"^[IDW]: ([A-Za-z ]+?)\s+: (.*)$", m.group(2), re.M))
        out.append((m.group(1), f.get("Message Type", ""), f.get("DIMSE Status", "")))
    return out


# The archive: what the PACS holds (study, series, modality of each file).
archive = os.path.join(logs, "pacs")
files = sorted(f for f in os.listdir(archive) if f != "index.dat") if os.path.isdir(archive) else []
studies, series = set(), {}
for f in files:
    try:
        dump = subprocess.run(["dcmdump", "-q", "+P", "0020,000d", "+P", "0020,000e", "+P", "0008,0060",
                               os.path.join(archive, f)], capture_output=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        result(False, "dcmdump %s: %s" % (f, e))
        continue
    el = elements("I: " + l for l in dump.decode("latin-1").replace("\0", "").splitlines())
    studies.add(el.get("0020,000d"))
    series[el.get("0020,000e")] = el.get("0008,0060")

# The stores.
storescu, dcmqrscp = read("storescu.log"), read("dcmqrscp.log")
stored = storescu.count("Received Store Response (Success)")
msgs = dimse(dcmqrscp)
store_rq = sum(1 for d, t, _ in msgs if d == "INCOMING" and t == "C-STORE RQ")
store_ok = sum(1 for d, t, s in msgs if d == "OUTGOING" and t == "C-STORE RSP" and s.startswith("0x0000"))
result("storescu exit 0" in storescu and stored >= 1 and store_rq == stored and store_ok == stored
       and len(files) == stored,
       "dcmtk: storescu stored %d images (Success); the PACS (dcmqrscp) received %d C-STORE, answered "
       "%d Success, archived %d files" % (stored, store_rq, store_ok, len(files)))

# The queries: findscu.log holds one run per level, each ended by "findscu LEVEL exit N".
findscu = read("findscu.log")
runs = re.findall(r"(.*?)^findscu (STUDY|SERIES) exit (\d+)$", findscu, re.S | re.M)
levels = {level: (body, int(rc)) for body, level, rc in runs}
pending_total = 0
for level in ("STUDY", "SERIES"):
    if level not in levels:
        result(False, "findscu: no %s query in findscu.log" % level)
        continue
    body, rc = levels[level]
    req = elements(body.split("Request Identifiers:", 1)[-1].split("Find Response", 1)[0].splitlines())
    # One block per pending response: its identifier, up to the next response.
    blocks = re.split(r"^I: Find Response: \d+ \(Pending\)$", body, flags=re.M)[1:]
    answers = [elements(b.split("Received Final Find Response", 1)[0].splitlines()) for b in blocks]
    final = re.search(r"Received Final Find Response \((\w+)\)", body)
    pending_total += len(answers)
    good = rc == 0 and final is not None and final.group(1) == "Success" and len(answers) >= 1
    if level == "STUDY":
        asked = req.get("0010,0020")
        found = [a.get("0020,000d") for a in answers]
        archived = all(a.get("0010,0020") == asked and a.get("0020,000d") in studies for a in answers)
        what = "PatientID %s" % asked
        shown = ", ".join(map(str, found))
    else:
        asked = req.get("0020,000d")
        found = [(a.get("0020,000e"), a.get("0008,0060")) for a in answers]
        archived = asked in studies and all(series.get(s, "?") == m for s, m in found)
        what = "study %s" % asked
        shown = ", ".join("%s %s" % f for f in found)
    result(good and archived, "dcmtk: findscu %s (%s): exit %d, %d pending (%s), %s%s" % (
        level, what, rc, len(answers), shown, "each in the PACS's archive" if archived else "NOT all in the PACS's archive",
        "" if final is None else ", final %s" % final.group(1)))

find_rq = sum(1 for d, t, _ in msgs if d == "INCOMING" and t == "C-FIND RQ")
find_pending = len(re.findall(r"Find SCP Response \d+ \[status: Pending\]", dcmqrscp))
result(find_rq == len(runs) and find_pending == pending_total,
       "dcmtk: the PACS answered %d C-FIND (findscu sent %d) with %d pending responses (findscu got %d)"
       % (find_rq, len(runs), find_pending, pending_total))
sys.exit(1 if fails else 0)
