#!/usr/bin/env python3
"""crop.py FILE OUT.png [row col | x0 y0 x1 y1 (mm)]: crop a scan around a box (via the reader's quads)
or a paper-mm rectangle (via the reader's transform), enlarged for viewing."""
import json, subprocess, sys
from PIL import Image
import os
HERE = os.path.dirname(os.path.abspath(__file__))
f, out = sys.argv[1], sys.argv[2]
r = json.loads(subprocess.run([os.environ.get("ECOUNT_BIN", os.path.join(HERE, "../../target/release/ecount")), "read", f, "--election",
                               os.path.join(HERE, "../../elections/gla-2016.toml")], capture_output=True, text=True).stdout)["reading"]
im = Image.open(f)
if im.mode.startswith("I"):  # 16-bit grey
    import numpy as np
    im = Image.fromarray((np.asarray(im, np.float32) / 257.0).clip(0, 255).astype("uint8"), "L")
im = im.convert("L")
if len(sys.argv) == 5:
    row, col = int(sys.argv[3]), int(sys.argv[4])
    q = [b["quad"] for b in r["boxes"] if b["row"] == row and b["column"] == col][0]
    xs, ys = [p[0] for p in q], [p[1] for p in q]
    m = (max(xs) - min(xs)) * 0.6
    box = (min(xs) - m, min(ys) - m, max(xs) + m, max(ys) + m)
else:
    t = r["transform"]; x0, y0, x1, y1 = map(float, sys.argv[3:7])
    pts = [(t["a"] * x + t["b"] * y + t["c"], t["d"] * x + t["e"] * y + t["f"]) for x in (x0, x1) for y in (y0, y1)]
    box = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))
c = im.crop(tuple(int(v) for v in box))
k = max(1, int(400 / max(c.size)))
c.resize((c.width * k, c.height * k), Image.NEAREST).save(out)
print(box, r["vote"], r["flags"])
