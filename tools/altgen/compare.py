#!/usr/bin/env python3
"""compare.py DIR: run the ecount reader over DIR's papers (chunks of 200) and compare with DIR/truth.jsonl.

Writes DIR/readings.jsonl (raw reader output) and DIR/compare.jsonl (per-file verdicts), prints a
per-case table and the silent misreads / wrongly set-aside ballots.
"""
import json
import os
import subprocess
import sys
from collections import defaultdict

ECOUNT = os.environ.get("ECOUNT_BIN", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../target/release/ecount"))
ELECTION = os.environ.get("ECOUNT_ELECTION", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../elections/gla-2016.toml"))
ERASED = 0.25  # share of the voter's ink pixels the scan still shows as ink, below which it is "erased"


def reader_vote(v):
    """Map the reader's serialised Vote to this generator's truth format."""
    t = v["type"]
    if t == "single":
        return {"type": "single", "option": v["option"]}
    if t == "rejected":
        return {"type": "rejected", "head": v["head"]}
    if t == "supplementary":
        s = v["second"]
        if s["status"] == "counted":
            sec = {"counted": s["value"]}
        elif s["value"] == "unmarked":
            sec = "not_used"
        else:
            sec = {"not_counted": s["value"]}
        return {"type": "supplementary", "first": v["first"], "second": sec}
    return v


def run_reader(d, files, use_cache=True):
    out = os.path.join(d, "readings.jsonl")
    if use_cache and os.path.exists(out):
        got = {}
        for line in open(out):
            r = json.loads(line)
            got[os.path.basename(r["file"])] = r
        if all(f in got for f in files):
            return got
    got = {}
    with open(out, "w") as fo:
        for i in range(0, len(files), 200):
            chunk = [os.path.join(d, f) for f in files[i:i + 200]]
            p = subprocess.run([ECOUNT, "read", *chunk, "--election", ELECTION], capture_output=True, text=True)
            lines = [l for l in p.stdout.splitlines() if l.strip()]
            if p.returncode != 0 and not lines:
                sys.exit(f"reader failed: {p.stderr[:2000]}")
            for line in lines:
                r = json.loads(line)
                got[os.path.basename(r["file"])] = r
                fo.write(line + "\n")
            print(f"read {min(i + 200, len(files))}/{len(files)}", file=sys.stderr)
    return got


def main():
    d = sys.argv[1]
    use_cache = "--fresh" not in sys.argv
    truth = [json.loads(l) for l in open(os.path.join(d, "truth.jsonl"))]
    got = run_reader(d, [t["file"] for t in truth], use_cache)
    stats = defaultdict(lambda: defaultdict(int))
    silent, wrongly_aside, rows = [], [], []
    for t in truth:
        c = t["case"]
        s = stats[c]
        s["papers"] += 1
        r = got.get(t["file"])
        rec = dict(file=t["file"], case=c, truth=t["outcome"], must_review=t["must_review"])
        surv = t.get("detail", {}).get("ink_survival", {})
        rec["ink_survival"] = surv
        # the scan itself lost most of the voter's ink (a bilevel threshold eating pencil, say)
        erased = surv.get("vote", 1.0) < ERASED or (c.startswith("id") and surv.get("writing", 1.0) < ERASED)
        if erased and c not in ("unmarked",):
            s["erased"] += 1
            rec["erased_by_scan"] = True
        nab = t["outcome"]["type"] == "not_a_ballot"
        if r is None:
            rec["verdict"] = "no_output"
            s["no_output"] += 1
        elif "reading" not in r:
            rec["reading"] = {"set_aside": r.get("set_aside"), "message": r.get("message")}
            if nab:
                s["nab_set_aside"] += 1
                rec["verdict"] = "ok_set_aside"
            else:
                s["wrongly_set_aside"] += 1
                rec["verdict"] = "wrongly_set_aside"
                wrongly_aside.append(rec)
        else:
            rd = r["reading"]
            v = reader_vote(rd["vote"])
            flags = rd["flags"]
            rec["reading"] = dict(vote=v, flags=[f.get("reason") + (":" + f["head"] if "head" in f else "") for f in flags],
                                  style=rd["style"])
            agree = (not nab) and v == t["outcome"] and rd["style"] == t["style"]
            if flags:
                s["flagged"] += 1
                if not t["must_review"]:
                    s["clean_flagged"] += 1
            if agree and t["must_review"] and not flags:
                s["review_missed"] += 1
                rec["review_missed"] = True
            if not agree:
                s["differs"] += 1
                if not flags:
                    s["silent_misread"] += 1
                    if rec.get("erased_by_scan"):
                        s["silent_erased"] += 1
                    silent.append(rec)
            if t["outcome"]["type"] == "rejected":
                if flags and v.get("type") == "rejected" and v.get("head") == t["outcome"]["head"]:
                    s["void_right_head"] += 1
            if nab:
                s["nab_read_as_ballot"] += 1
            rec["verdict"] = "agree" if agree else ("silent_misread" if not flags else "differs_flagged")
        rows.append(rec)
    with open(os.path.join(d, "compare.jsonl"), "w") as fo:
        for rec in rows:
            fo.write(json.dumps(rec) + "\n")

    cols = [("papers", "papers"), ("silent", "silent_misread"), ("(erased)", "silent_erased"), ("flagged", "flagged"),
            ("differs", "differs"), ("clean_flg", "clean_flagged"), ("void_head", "void_right_head"),
            ("nab_aside", "nab_set_aside"), ("nab_read", "nab_read_as_ballot"),
            ("wrong_aside", "wrongly_set_aside"), ("erased", "erased"), ("rev_missed", "review_missed")]
    order = sorted(stats, key=lambda c: -stats[c]["papers"])
    print("%-16s" % "case" + "".join("%12s" % h for h, _ in cols))
    tot = defaultdict(int)
    for c in order:
        print("%-16s" % c + "".join("%12d" % stats[c][k] for _, k in cols))
        for _, k in cols:
            tot[k] += stats[c][k]
    print("%-16s" % "TOTAL" + "".join("%12d" % tot[k] for _, k in cols))
    print("\n(differs = reading's vote differs from truth, flagged or not; void_head = void truth, flagged, "
          "reading proposes the same head; erased = under 25% of the voter's ink survived the scan, so the truth is "
          "not in the image; rev_missed = must_review truth, vote right but nothing flagged)")
    print(f"\nSilent misreads ({len(silent)}):")
    for rec in silent:
        tag = "  [ink erased by the scan]" if rec.get("erased_by_scan") else ""
        print(f"  {rec['file']}{tag}  case={rec['case']}  truth={json.dumps(rec['truth'])}  reading={json.dumps(rec['reading']['vote'])}  ink_survival={rec['ink_survival']}")
    print(f"\nBallots wrongly set aside ({len(wrongly_aside)}):")
    for rec in wrongly_aside:
        print(f"  {rec['file']}  case={rec['case']}  truth={json.dumps(rec['truth'])}  set_aside={rec['reading']['set_aside']}: {rec['reading']['message']}")


if __name__ == "__main__":
    main()
