#!/usr/bin/env python3
"""Independent renderer of scanned GLA ballot papers (spec: /work/shared/spec/ballot-paper.md).

Written from the spec alone: exact-coverage rasterisation of the printed geometry, PIL text in
Liberation fonts, hand-drawn pen strokes rasterised as antialiased capsules with per-point
width/pressure and pencil grain, then a scanner model (affine feed, background, lighting,
blur, gamma, noise, dust, streaks) and PNG / JPEG / colour JPEG / CCITT G4 output.

    python3 altgen.py --out DIR --papers N --seed S [--dpi D] [--format png|png16|rgba|jpeg|colour|g4|mixed]
                      [--case CASE]

run2 additions: identifying writing beside a name / in the margins (also written up the margin) / hard
against the table's bottom rule or the code strip / small 3-5 mm initials / a signature across the header
text (cases id_*); header layouts (left/centre/right, wrapped instructions, larger title, a one-column
box heading); erasures (erased_change, erased_second); scanner artefacts (heavy dust, a faint streak
through a box column, lid shadow, JPEG quality 50-59) and 16-bit grey / RGBA PNG output.
"""
import argparse
import io
import json
import math
import multiprocessing as mp
import os
import sys
import tomllib

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ELECTION = os.environ.get("ECOUNT_ELECTION", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../elections/gla-2016.toml"))
FONT_DIR = "/usr/share/fonts/truetype/liberation/"
FONTS = {
    "serif": FONT_DIR + "LiberationSerif-Regular.ttf",
    "serif_b": FONT_DIR + "LiberationSerif-Bold.ttf",
    "sans": FONT_DIR + "LiberationSans-Regular.ttf",
    "sans_b": FONT_DIR + "LiberationSans-Bold.ttf",
    "narrow": FONT_DIR + "LiberationSansNarrow-Regular.ttf",
    "italic": FONT_DIR + "LiberationSerif-Italic.ttf",
}
KIND_NAMES = {1: "mayor", 2: "constituency", 3: "london-wide"}
W = 210.0

# --------------------------------------------------------------------------- spec geometry


def crc8(data: bytes) -> int:
    c = 0
    for b in data:
        c ^= b
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c


assert crc8(bytes([1, 1])) == 0x12 and crc8(bytes([2, 11])) == 0x1B
assert crc8(bytes([3, 14])) == 0x15 and crc8(bytes([1, 7])) == 0x00


def strip_bits(code: int):
    crc = crc8(bytes([code >> 8, code & 0xFF]))
    bits = [1, 1, 0, 1]
    bits += [(code >> (15 - i)) & 1 for i in range(16)]
    bits += [(crc >> (7 - i)) & 1 for i in range(8)]
    bits += [1, 0, 1, 1]
    assert len(bits) == 32
    return bits


def page_height(n):
    return 100.0 + 18.0 * n + 30.0


def box_centres(kind, n):
    """{(row, column): (cx, cy)} in mm."""
    cols = [151.0, 181.0] if kind == 1 else [181.0]
    return {(k, c): (x, 100.0 + 18 * k + 9.0) for k in range(n) for c, x in enumerate(cols)}


# --------------------------------------------------------------------------- election


def load_election():
    with open(ELECTION, "rb") as f:
        el = tomllib.load(f)
    areas = {a["id"]: a for a in el["areas"]}
    contests = {c["id"]: c for c in el["contests"]}
    styles = {}
    for s in el["styles"]:
        c = contests[s["contest"]]
        a = areas[s["area"]]
        kind = s["code"] >> 8
        assert s["code"] == 256 * kind + a["number"]
        styles[s["code"]] = dict(code=s["code"], kind=kind, area=a["name"], title=c["title"],
                                 options=[(o["name"], o.get("description", "")) for o in c["options"]])
    return styles


# --------------------------------------------------------------------------- raster helpers


def rect_cov(cov, p, x0, y0, x1, y1):
    """Add exact area coverage of the mm rectangle [x0,x1]x[y0,y1] to cov (H,W) at p px/mm."""
    H, Wd = cov.shape
    X0, X1, Y0, Y1 = x0 * p, x1 * p, y0 * p, y1 * p
    i0, i1 = max(int(math.floor(X0)), 0), min(int(math.ceil(X1)), Wd)
    j0, j1 = max(int(math.floor(Y0)), 0), min(int(math.ceil(Y1)), H)
    if i1 <= i0 or j1 <= j0:
        return
    xs = np.arange(i0, i1, dtype=np.float32)
    ys = np.arange(j0, j1, dtype=np.float32)
    cx = np.clip(np.minimum(xs + 1, X1) - np.maximum(xs, X0), 0, 1)
    cy = np.clip(np.minimum(ys + 1, Y1) - np.maximum(ys, Y0), 0, 1)
    sub = cov[j0:j1, i0:i1]
    np.maximum(sub, np.outer(cy, cx), out=sub)


def box_outline_cov(cov, p, x0, y0, size=12.0, t=0.5):
    tmp_h = int(math.ceil((size + 2) * p)) + 2
    x1, y1 = x0 + size, y0 + size
    # four bars (exact union since they only overlap at corners, where both are 1 or max)
    rect_cov(cov, p, x0, y0, x1, y0 + t)
    rect_cov(cov, p, x0, y1 - t, x1, y1)
    rect_cov(cov, p, x0, y0, x0 + t, y1)
    rect_cov(cov, p, x1 - t, y0, x1, y1)
    return tmp_h


_font_cache = {}


def font(name, px):
    key = (name, int(px))
    if key not in _font_cache:
        _font_cache[key] = ImageFont.truetype(FONTS[name], max(int(px), 4))
    return _font_cache[key]


def text_fit(draw, p, x, y, text, fname, size_mm, max_w_mm, anchor="la"):
    """Draw text at (x,y) mm, shrinking to fit max_w_mm. Returns width in mm."""
    s = size_mm
    while True:
        f = font(fname, s * p)
        w = draw.textlength(text, font=f) / p
        if w <= max_w_mm or s < 1.5:
            break
        s *= 0.93
    draw.text((x * p, y * p), text, fill=255, font=f, anchor=anchor)
    bb = draw.textbbox((x * p, y * p), text, font=f, anchor=anchor)
    return tuple(round(v / p, 2) for v in bb)


def wrap(draw, text, f, max_px):
    words, lines, cur = text.split(), [], ""
    for w in words:
        t = (cur + " " + w).strip()
        if draw.textlength(t, font=f) <= max_px or not cur:
            cur = t
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    return lines


COL_HEADINGS = [("Mark X here", None), ("Mark X", None), ("Vote here", None), ("Put a cross", "(X) here"),
                ("Your vote", "(X)"), ("Mark one box", None)]


def choose_header(rng, kind):
    """Header layout variation (all spec-conforming: header zone x 20..190, y 22..86; headings y 88..100)."""
    h = dict(align=pick(rng, [("left", 0.4), ("centre", 0.3), ("right", 0.3)]),
             title_size=6.0, instr_size=3.6, wrap_lines=None, col_heading=None)
    if rng.random() < 0.3:
        h["title_size"] = round(float(rng.uniform(7.5, 9.0)), 2)
    if rng.random() < 0.35:
        h["wrap_lines"] = int(rng.integers(2, 4))
        if rng.random() < 0.4:
            h["instr_size"] = round(float(rng.uniform(3.8, 4.3)), 2)
    if kind != 1 and rng.random() < 0.4:
        h["col_heading"] = list(COL_HEADINGS[int(rng.integers(len(COL_HEADINGS)))])
    return h


def render_print(style, p, rng, flip_cell=None, hdr=None):
    """Printed content coverage (H,W) float32 in [0,1] at p px/mm; returns (cov, H_mm, layout)."""
    if hdr is None:
        hdr = dict(align="left", title_size=6.0, instr_size=3.6, wrap_lines=None, col_heading=None)
    layout = dict(header=[], names=[], descs=[], headings=[])
    kind, opts = style["kind"], style["options"]
    n = len(opts)
    H = page_height(n)
    hpx, wpx = int(round(H * p)), int(round(W * p))
    cov = np.zeros((hpx, wpx), np.float32)
    # fiducials
    for cx, cy in [(12, 12), (198, 12), (12, H - 12), (198, H - 12)]:
        rect_cov(cov, p, cx - 3, cy - 3, cx + 3, cy + 3)
    # strip
    bits = strip_bits(style["code"])
    if flip_cell is not None:
        bits[flip_cell] ^= 1
    for i, b in enumerate(bits):
        if b:
            rect_cov(cov, p, 30 + 5 * i, H - 14, 34 + 5 * i, H - 10)
    # rules
    for k in range(n + 1):
        y = 100 + 18 * k
        rect_cov(cov, p, 16, y - 0.15, 194, y + 0.15)
    vx = [16, 136, 166, 194] if kind == 1 else [16, 166, 194]
    for x in vx:
        rect_cov(cov, p, x - 0.15, 88, x + 0.15, 100 + 18 * n)
    # boxes
    for (k, c), (cx, cy) in box_centres(kind, n).items():
        box_outline_cov(cov, p, cx - 6, cy - 6)
    # text (PIL, antialiased) -- header x 20..190, y 22..86; rows x 18..132
    timg = Image.new("L", (wpx, hpx), 0)
    d = ImageDraw.Draw(timg)
    serif = rng.random() < 0.6
    fb, fr = ("serif_b", "serif") if serif else ("sans_b", "sans")
    hx, anc = {"left": (22.0, "la"), "centre": (105.0, "ma"), "right": (188.0, "ra")}[hdr["align"]]
    y = 24.0
    layout["header"].append(text_fit(d, p, hx, y, style["title"], fb, hdr["title_size"], 166, anchor=anc))
    y += max(9.0, hdr["title_size"] * 1.45)
    layout["header"].append(text_fit(d, p, hx, y, style["area"] + (" constituency" if kind != 3 else ""), fr, 4.6,
                                     166, anchor=anc))
    y += 8.0
    if kind == 1:
        instr = ("Vote ONCE (X) in column 1 for your first choice, and vote ONCE (X) in "
                 "column 2 for your second choice.")
    else:
        instr = "Vote only ONCE by putting a cross (X) in the box next to your choice."
    f = font(fr, hdr["instr_size"] * p)
    wmax = 116 * p
    if hdr["wrap_lines"]:
        wmax = min(d.textlength(instr, font=f) / hdr["wrap_lines"] * 1.12, 166 * p)
    lines = wrap(d, instr, f, wmax)
    layout["instr_lines"] = len(lines)
    for line in lines:
        assert y + hdr["instr_size"] * 1.3 < 86, "header overflows its zone"
        d.text((hx * p, y * p), line, fill=255, font=f, anchor=anc)
        bb = d.textbbox((hx * p, y * p), line, font=f, anchor=anc)
        layout["header"].append(tuple(round(v / p, 2) for v in bb))
        y += hdr["instr_size"] * 1.4
    if kind == 1:
        for cx, l1, l2 in [(151, "Column 1", "first choice"), (180, "Column 2", "second choice")]:
            layout["headings"].append(text_fit(d, p, cx, 89.2, l1, fb, 3.2, 27, anchor="ma"))
            layout["headings"].append(text_fit(d, p, cx, 94.2, l2, fr, 3.0, 27, anchor="ma"))
    elif hdr["col_heading"]:
        l1, l2 = hdr["col_heading"]
        if l2:
            layout["headings"].append(text_fit(d, p, 180, 89.2, l1, fb, 3.2, 26, anchor="ma"))
            layout["headings"].append(text_fit(d, p, 180, 94.2, l2, fr, 3.0, 26, anchor="ma"))
        else:
            layout["headings"].append(text_fit(d, p, 180, 91.8, l1, fb, 3.2, 26, anchor="ma"))
    for k, (name, desc) in enumerate(opts):
        y0 = 100 + 18 * k
        if desc:
            layout["names"].append(text_fit(d, p, 20, y0 + 3.2, name, fb, 4.6, 110))
            layout["descs"].append(text_fit(d, p, 20, y0 + 10.0, desc, fr, 3.6, 110))
        else:
            layout["names"].append(text_fit(d, p, 20, y0 + 6.0, name, fb, 4.6, 110))
            layout["descs"].append(None)
    for bb in layout["header"]:
        assert bb[0] >= 19.9 and bb[2] <= 190.1 and bb[1] >= 21.9 and bb[3] <= 86, ("header outside its zone", bb)
    for bb in layout["headings"]:
        assert bb[0] >= 16.2 and bb[2] <= 193.8 and bb[1] >= 88 and bb[3] <= 100, ("heading outside its zone", bb)
    for bb in layout["names"] + [b for b in layout["descs"] if b]:
        assert bb[0] >= 17.9 and bb[2] <= 132.1, ("row text outside its zone", bb)
    t = np.asarray(timg, np.float32) / 255.0
    np.maximum(cov, t, out=cov)
    return cov, H, layout


# --------------------------------------------------------------------------- pens and strokes

PENS = {
    # name: (rgb or None for grey, lum range, width range mm, grain, skip prob)
    "hb_pencil": dict(lum=(90, 150), width=(0.3, 0.7), grain=(0.35, 0.6), tint=(0, 0, 6)),
    "light_pencil": dict(lum=(150, 200), width=(0.2, 0.4), grain=(0.45, 0.7), tint=(0, 0, 5)),
    "ballpoint_black": dict(rgb=(28, 28, 38), width=(0.3, 0.6), grain=(0.05, 0.2), skip=0.02),
    "ballpoint_blue": dict(rgb=(25, 45, 150), width=(0.3, 0.6), grain=(0.05, 0.2), skip=0.02),
    "gel": dict(rgb=[(15, 15, 20), (20, 30, 120), (70, 20, 110)], width=(0.4, 0.8), grain=(0.0, 0.05)),
    "felt": dict(rgb=[(12, 12, 12), (20, 35, 130), (15, 70, 40)], width=(1.0, 2.5), grain=(0.0, 0.08), bleed=True),
    "red": dict(rgb=(185, 30, 35), width=(0.4, 0.8), grain=(0.02, 0.1)),
}


def make_pen(rng, name, width=None, lum=None):
    spec = PENS[name]
    pen = dict(name=name)
    if "lum" in spec:
        L = float(rng.uniform(*spec["lum"])) if lum is None else float(lum)
        tint = spec["tint"]
        pen["rgb"] = [L + tint[0], L + tint[1], min(255.0, L + tint[2])]
    else:
        rgb = spec["rgb"]
        if isinstance(rgb, list):
            rgb = rgb[rng.integers(len(rgb))]
        pen["rgb"] = [float(v + rng.uniform(-8, 8)) for v in rgb]
    pen["width"] = float(rng.uniform(*spec["width"])) if width is None else float(width)
    pen["grain"] = float(rng.uniform(*spec["grain"]))
    pen["skip"] = spec.get("skip", 0.0)
    pen["bleed"] = spec.get("bleed", False)
    pen["pencil"] = "lum" in spec
    return pen


def hand_line(rng, pts, n_per_mm=3.0, wobble=0.25):
    """Polyline through control points pts (mm), densified, with smooth hand wobble."""
    pts = np.asarray(pts, float)
    out = []
    for a, b in zip(pts[:-1], pts[1:]):
        L = float(np.hypot(*(b - a)))
        m = max(int(L * n_per_mm), 2)
        t = np.linspace(0, 1, m, endpoint=False)
        out.append(a[None] + t[:, None] * (b - a)[None])
    out.append(pts[-1:])
    P = np.concatenate(out)
    # smooth perpendicular wobble along arc length + tremor
    d = np.gradient(P, axis=0)
    nrm = np.stack([-d[:, 1], d[:, 0]], 1)
    nrm /= np.maximum(np.hypot(nrm[:, 0], nrm[:, 1]), 1e-9)[:, None]
    s = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(P, axis=0).T))])
    off = np.zeros(len(P))
    for _ in range(2):
        f = rng.uniform(0.04, 0.25)
        off += rng.uniform(0, wobble) * np.sin(2 * np.pi * f * s + rng.uniform(0, 6.3))
    off += np.convolve(rng.normal(0, 0.03, len(P)), [0.25, 0.5, 0.25], mode="same")
    return P + nrm * off[:, None]


def pressure(rng, n, lo=0.7):
    """Per-point pressure: ramps in and out, slow variation."""
    t = np.linspace(0, 1, n)
    ramp = np.minimum(1, np.minimum(t / rng.uniform(0.03, 0.15), (1 - t) / rng.uniform(0.03, 0.2)) + 0.35)
    slow = 1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t + rng.uniform(0, 6.3))
    return np.clip(ramp * slow, lo * 0.5, 1.2)


def rot(pts, ang):
    c, s = math.cos(ang), math.sin(ang)
    pts = np.asarray(pts, float)
    return pts @ np.array([[c, s], [-s, c]])


def shape_strokes(rng, shape, size):
    """List of control-point polylines for a mark centred at the origin (mm)."""
    s = size
    h = s / 2
    j = lambda v=0.12: rng.uniform(-v, v) * s
    if shape == "cross":
        a = [(-h + j(), -h + j()), (h + j(), h + j())]
        b = [(h + j(), -h + j()), (-h + j(), h + j())]
        return [a, b] if rng.random() < 0.7 else [b, a]
    if shape == "tick":
        return [[(-0.4 * s + j(0.05), -0.02 * s), (-0.12 * s, 0.38 * s + j(0.05)),
                 (0.45 * s + j(0.08), -0.5 * s + j(0.08))]]
    if shape == "stroke":
        return [[(-h * 0.9 + j(), h * 0.9 + j()), (h * 0.9 + j(), -h * 0.9 + j())]]
    if shape == "digit1":
        return [[(-0.2 * s, -0.3 * s), (0.03 * s, -0.5 * s), (0.0 + j(0.04), 0.5 * s)]] + (
            [[(-0.2 * s, 0.5 * s), (0.2 * s, 0.5 * s)]] if rng.random() < 0.4 else [])
    if shape == "digit2":
        t = np.linspace(-2.8, 0.5, 10)
        arc = [(0.28 * s * math.cos(a), -0.22 * s + 0.26 * s * math.sin(a)) for a in t]
        return [arc + [(-0.3 * s, 0.5 * s), (0.32 * s, 0.48 * s)]]
    if shape == "circle":  # s = radius
        t = np.linspace(0, 2 * np.pi * rng.uniform(1.0, 1.2), 40) + rng.uniform(0, 6.3)
        rx, ry = s * rng.uniform(0.95, 1.1), s * rng.uniform(0.85, 1.0)
        return [[(rx * math.cos(a), ry * math.sin(a)) for a in t]]
    if shape == "dot":
        return [[(0, 0), (j(0.05), j(0.05))]]
    raise ValueError(shape)


def fill_strokes(rng, w, h, spacing, angle):
    """Back-and-forth zigzag filling a w x h rectangle centred at origin."""
    pts = []
    n = max(int(h / spacing), 2)
    for i in range(n + 1):
        y = -h / 2 + i * h / n
        xa, xb = -w / 2 + rng.uniform(-0.4, 0.6), w / 2 + rng.uniform(-0.6, 0.4)
        pts += [(xa, y), (xb, y + spacing * 0.3)] if i % 2 == 0 else [(xb, y), (xa, y + spacing * 0.3)]
    return [rot(pts, angle).tolist()]


def scribble_strokes(rng, size):
    t = np.linspace(0, 2 * np.pi * rng.uniform(3, 6), 120)
    r = size / 2
    x = r * 0.8 * np.sin(t * rng.uniform(0.9, 1.1) + rng.uniform(0, 3)) + r * 0.25 * np.sin(t * 0.23)
    y = r * 0.8 * np.cos(t * rng.uniform(1.3, 2.1)) + r * 0.2 * np.cos(t * 0.17)
    return [np.stack([x, y], 1).tolist()]


def signature_strokes(rng, length, height):
    n = int(rng.integers(2, 4))
    strokes = []
    x0 = 0.0
    for w in range(n):
        L = length / n * rng.uniform(0.7, 1.1)
        t = np.linspace(0, 1, int(L * 4))
        loops = rng.uniform(1.2, 2.2) * L / height
        x = x0 + t * L - 0.35 * height * np.sin(2 * np.pi * loops * t)
        y = -height * (0.3 + 0.2 * rng.random()) * np.cos(2 * np.pi * loops * t) * (
            0.6 + 0.4 * np.sin(np.pi * t * rng.uniform(1, 3))) + rng.uniform(-0.5, 0.5) * height * t
        strokes.append(np.stack([x, y], 1).tolist())
        x0 += L + rng.uniform(1, 3)
    if rng.random() < 0.6:  # underline flourish
        strokes.append([(rng.uniform(-2, 2), height * 0.7), (x0 * 0.5, height * 0.9), (x0, height * 0.6)])
    return strokes, x0


LETTERS = {  # unit-height stroke font, x in 0..0.7, y in 0..1 (down)
    "A": [[(0, 1), (0.35, 0), (0.7, 1)], [(0.15, 0.6), (0.55, 0.6)]],
    "B": [[(0, 1), (0, 0), (0.45, 0.05), (0.5, 0.25), (0.1, 0.48), (0.6, 0.65), (0.5, 0.95), (0, 1)]],
    "C": [[(0.65, 0.1), (0.3, 0), (0.02, 0.35), (0.05, 0.75), (0.35, 1), (0.68, 0.88)]],
    "D": [[(0, 0), (0, 1), (0.45, 0.92), (0.68, 0.5), (0.45, 0.06), (0, 0)]],
    "E": [[(0.6, 0), (0, 0), (0, 1), (0.6, 1)], [(0, 0.5), (0.45, 0.5)]],
    "H": [[(0, 0), (0, 1)], [(0.6, 0), (0.6, 1)], [(0, 0.5), (0.6, 0.5)]],
    "J": [[(0.6, 0), (0.6, 0.75), (0.35, 1), (0.05, 0.8)]],
    "K": [[(0, 0), (0, 1)], [(0.6, 0), (0.02, 0.55), (0.62, 1)]],
    "L": [[(0, 0), (0, 1), (0.55, 1)]],
    "M": [[(0, 1), (0.05, 0), (0.35, 0.6), (0.65, 0), (0.7, 1)]],
    "N": [[(0, 1), (0, 0), (0.6, 1), (0.6, 0)]],
    "P": [[(0, 1), (0, 0), (0.5, 0.05), (0.55, 0.3), (0.05, 0.5)]],
    "R": [[(0, 1), (0, 0), (0.5, 0.05), (0.55, 0.3), (0.05, 0.5), (0.6, 1)]],
    "S": [[(0.6, 0.1), (0.3, 0), (0.05, 0.2), (0.55, 0.65), (0.4, 0.98), (0.0, 0.88)]],
    "T": [[(0, 0), (0.7, 0)], [(0.35, 0), (0.35, 1)]],
    "W": [[(0, 0), (0.15, 1), (0.35, 0.4), (0.55, 1), (0.7, 0)]],
}


def initials_strokes(rng, height):
    letters = rng.choice(list(LETTERS), int(rng.integers(2, 4)))
    strokes, x = [], 0.0
    for ch in letters:
        sl = rng.uniform(-0.15, 0.05)
        for st in LETTERS[ch]:
            strokes.append([(x + (px + sl * (1 - py)) * height, (py - 0.5) * height) for px, py in st])
        x += 0.85 * height
        if rng.random() < 0.5:  # full stop
            strokes.append([(x - 0.15 * height, 0.45 * height), (x - 0.12 * height, 0.47 * height)])
    return strokes, x, "".join(letters)


class Ink:
    """Per-pen ink coverage layers over the paper raster (paper frame, p px/mm)."""

    def __init__(self, shape, p, rng):
        self.shape, self.p, self.rng = shape, p, rng
        self.layers = []  # (pen, alpha array)

    def layer(self, pen):
        for pn, a in self.layers:
            if pn is pen:
                return a
        a = np.zeros(self.shape, np.float32)
        self.layers.append((pen, a))
        return a

    def stroke(self, pen, P, press=None):
        """Rasterise polyline P (mm, (n,2)) with pen; width ~ pressure."""
        P = np.asarray(P, float)
        rng, p = self.rng, self.p
        if press is None:
            press = pressure(rng, len(P))
        a = self.layer(pen)
        Hh, Ww = a.shape
        w_px = pen["width"] * p
        for i in range(len(P) - 1):
            if pen["skip"] and rng.random() < pen["skip"]:
                continue
            x0, y0 = P[i] * p
            x1, y1 = P[i + 1] * p
            r = 0.5 * w_px * (0.75 + 0.25 * press[i]) + 0.5
            ia, ib = int(max(min(x0, x1) - r - 1, 0)), int(min(max(x0, x1) + r + 2, Ww))
            ja, jb = int(max(min(y0, y1) - r - 1, 0)), int(min(max(y0, y1) + r + 2, Hh))
            if ib <= ia or jb <= ja:
                continue
            xs = np.arange(ia, ib, dtype=np.float32) + 0.5
            ys = np.arange(ja, jb, dtype=np.float32)[:, None] + 0.5
            dx, dy = x1 - x0, y1 - y0
            L2 = dx * dx + dy * dy
            if L2 < 1e-9:
                t = 0.0
            else:
                t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / L2, 0, 1)
            dist = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
            half = 0.5 * max(w_px * (0.75 + 0.25 * press[i]), 0.6)
            cov = np.clip(half + 0.5 - dist, 0, 1) * min(1.0, 0.55 + 0.45 * press[i])
            sub = a[ja:jb, ia:ib]
            np.maximum(sub, cov.astype(np.float32), out=sub)

    def text(self, pen, x, y, s, size_mm, fname="italic"):
        """Handwritten-ish printed text (a voter writing a name in capitals/cursive)."""
        p = self.p
        f = font(fname, size_mm * p)
        a = self.layer(pen)
        img = Image.new("L", (a.shape[1], a.shape[0]), 0)
        ImageDraw.Draw(img).text((x * p, y * p), s, fill=255, font=f, anchor="lm")
        np.maximum(a, np.asarray(img, np.float32) / 255.0, out=a)

    def rub_out(self, a, e):
        """A rubbed-out pencil mark: the same shape smeared along the rub and left at e['factor'] of its
        darkness, plus a faint graphite haze where the eraser went."""
        p = self.p
        ys, xs = np.nonzero(a > 0)
        if not len(ys):
            return a
        pad = int(8 * p)
        j0, j1 = max(ys.min() - pad, 0), min(ys.max() + pad + 1, a.shape[0])
        i0, i1 = max(xs.min() - pad, 0), min(xs.max() + pad + 1, a.shape[1])
        sub = a[j0:j1, i0:i1]
        peak = float(sub.max())
        sm = blur(sub[None].copy(), e["smear_mm"] * p)[0]
        # directional smear: average of copies shifted along the rubbing direction
        ang, L = e["rub_angle"], e["rub_mm"] * p
        acc = np.zeros_like(sm)
        k = 5
        for t in np.linspace(-0.5, 0.5, k):
            dx, dy = int(round(t * L * math.cos(ang))), int(round(t * L * math.sin(ang)))
            acc += np.roll(np.roll(sm, dy, 0), dx, 1)
        sm = acc / k
        sm *= peak / max(float(sm.max()), 1e-6) * e["factor"]
        # haze: soft ellipse of graphite dust over the rubbed area
        cy, cx = (ys.mean() - j0), (xs.mean() - i0)
        yy, xx = np.mgrid[0:sub.shape[0], 0:sub.shape[1]].astype(np.float32)
        c, s = math.cos(ang), math.sin(ang)
        u, v = (xx - cx) * c + (yy - cy) * s, -(xx - cx) * s + (yy - cy) * c
        rx, ry = e["haze_r_mm"][0] * p, e["haze_r_mm"][1] * p
        haze = e["haze"] * np.exp(-0.5 * ((u / rx) ** 2 + (v / ry) ** 2) ** 2)
        out = np.zeros_like(a)
        out[j0:j1, i0:i1] = np.maximum(sm, haze.astype(np.float32))
        return out

    def composite(self, img, white):
        """img (C,H,W) float32 paper-frame luminance/colour; multiply ink in."""
        rng = self.rng
        for pen, a in self.layers:
            if pen.get("erase"):
                a = self.rub_out(a, pen["erase"])
            if pen["bleed"]:
                a = blur(a[None], 0.35 * self.p * 0.3)[0]
            g = pen["grain"]
            if g > 0:
                ys, xs = np.nonzero(a > 0)
                if len(ys):
                    j0, j1, i0, i1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
                    sub = a[j0:j1, i0:i1]
                    noise = rng.random(sub.shape, dtype=np.float32)
                    if pen["pencil"]:
                        # paper tooth: grains miss, some patches light
                        tooth = blur(rng.random(sub.shape, dtype=np.float32)[None], 0.8)[0]
                        keep = np.clip(1 - g * 1.6 * (noise ** 1.5) - g * 1.2 * (tooth - 0.5), 0.0, 1.0)
                    else:
                        keep = 1 - g * noise
                    a = a.copy()
                    a[j0:j1, i0:i1] = sub * keep
            rgb = np.array(pen["rgb"], np.float32)
            fac = np.clip(rgb / 238.0, 0.02, 0.98)
            if img.shape[0] == 1:
                fac = np.array([0.299 * fac[0] + 0.587 * fac[1] + 0.114 * fac[2]], np.float32)
            for c in range(img.shape[0]):
                img[c] *= 1 - a * (1 - fac[c])
        return img


def draw_mark(ink, rng, pen, shape, cx, cy, size, angle=None):
    if angle is None:
        angle = rng.normal(0, 0.12)
    if shape == "filled":
        sp = max(pen["width"] * rng.uniform(0.6, 1.1), 0.25)
        strokes = fill_strokes(rng, size, size * rng.uniform(0.85, 1.0), sp, angle + rng.normal(0, 0.2))
    elif shape == "scribble":
        strokes = [rot(s, angle).tolist() for s in scribble_strokes(rng, size)]
    else:
        strokes = [rot(s, angle).tolist() for s in shape_strokes(rng, shape, size)]
    for st in strokes:
        P = hand_line(rng, st, wobble=min(0.025 * size, 0.3) if shape not in ("dot", "filled") else 0.03)
        P += np.array([cx, cy])
        ink.stroke(pen, P)
    if shape == "dot":  # press: make it a blob
        ink.stroke(pen, np.array([[cx, cy], [cx + 0.05, cy + 0.05]]), np.ones(2))


# --------------------------------------------------------------------------- cases

CASE_WEIGHTS = [
    ("clean", 0.37), ("unmarked", 0.025), ("too_many", 0.03), ("uncertain", 0.03),
    ("identifying", 0.03), ("beside", 0.025), ("circle", 0.012), ("crossed_out", 0.02),
    ("faint", 0.03), ("marker_bleed", 0.02), ("same_as_first", 0.01),
    ("second_too_many", 0.01), ("no_first", 0.006), ("dot", 0.008),
    ("blank_page", 0.005), ("text_page", 0.005), ("bad_code", 0.005), ("corrupt_file", 0.005),
    # run2 additions
    ("id_beside_name", 0.04), ("id_margin", 0.04), ("id_table_strip", 0.035), ("id_small_initials", 0.045),
    ("id_over_text", 0.035), ("erased_change", 0.06), ("erased_second", 0.035),
]
MAYOR_ONLY = {"same_as_first", "second_too_many", "no_first", "erased_second"}
ID_CASES = {"identifying", "id_beside_name", "id_margin", "id_table_strip", "id_small_initials", "id_over_text"}
NON_BALLOT = {"blank_page", "text_page", "bad_code", "corrupt_file"}
CLEAN_PENS = [("hb_pencil", 0.45), ("ballpoint_black", 0.14), ("ballpoint_blue", 0.12), ("gel", 0.08),
              ("felt", 0.07), ("red", 0.05), ("light_pencil", 0.09)]
CLEAN_SHAPES = [("cross", 0.55), ("tick", 0.15), ("stroke", 0.1), ("filled", 0.05), ("scribble", 0.05),
                ("digit", 0.10)]


def pick(rng, table):
    names, w = zip(*table)
    w = np.array(w, float)
    return names[rng.choice(len(names), p=w / w.sum())]


def plan_paper(rng, styles, dpi_opt, fmt_opt):
    case = pick(rng, CASE_WEIGHTS)
    kind = 1 if case in MAYOR_ONLY else int(rng.integers(1, 4))
    area = int(rng.integers(1, 15))
    code = 256 * kind + area
    dpi = dpi_opt or int(rng.choice([150, 200, 300], p=[0.3, 0.45, 0.25]))
    fmt = fmt_opt if fmt_opt != "mixed" else pick(rng, [("png", 0.18), ("jpeg", 0.27), ("colour", 0.15), ("g4", 0.15),
                                                        ("png16", 0.12), ("rgba", 0.13)])
    art = [a for a, pr in [("dust_heavy", 0.15), ("column_streak", 0.12), ("lid_shadow", 0.15)] if rng.random() < pr]
    if fmt in ("jpeg", "colour") and rng.random() < 0.3:
        art.append("jpeg_low")
    return dict(case=case, style=code, dpi=dpi, format=fmt, artefacts=art, seed=int(rng.integers(2 ** 62)))


def vote_truth(kind, first, second=None):
    if kind != 1:
        return {"type": "single", "option": int(first)}
    if second is None:
        sec = "not_used"
    elif second == "same":
        sec = {"not_counted": "same_as_first"}
    elif second == "too_many":
        sec = {"not_counted": "too_many"}
    else:
        sec = {"counted": int(second)}
    return {"type": "supplementary", "first": int(first), "second": sec}


def clean_mark(rng, ink, pen, kind, n, row, col, shape=None, jitter=2.0):
    cx, cy = box_centres(kind, n)[(row, col)]
    shape = shape or pick(rng, CLEAN_SHAPES)
    if shape == "digit":
        shape = "digit2" if (kind == 1 and col == 1 and rng.random() < 0.8) else "digit1"
    if shape in ("filled", "scribble"):
        size = rng.uniform(7.5, 10.5) if shape == "filled" else rng.uniform(6, 9.5)
        jit = 0.8
    elif shape.startswith("digit"):
        size, jit = rng.uniform(6, 9.5), 1.2
    elif shape == "tick":
        size, jit = rng.uniform(6, 11), 1.5
    else:
        size, jit = rng.uniform(5, 14), jitter
        if size > 12:  # a big cross is centred better, its arms overshoot the outline
            jit = min(jit, 1.2)
    dx, dy = rng.uniform(-jit, jit, 2)
    draw_mark(ink, rng, pen, shape, cx + dx, cy + dy, size)
    return dict(shape=shape, row=row, col=col, x=round(cx + dx, 2), y=round(cy + dy, 2), size=round(size, 2))


def erased_mark(rng, ink, pen, kind, n, row, col):
    """A pencil mark in box (row, col) rubbed out: same shape at 15-30% of its darkness, smeared."""
    ep = dict(pen)
    ep["role"] = "erased"
    ep["erase"] = dict(factor=float(rng.uniform(0.15, 0.30)), smear_mm=float(rng.uniform(0.15, 0.45)),
                       rub_angle=float(rng.uniform(0, math.pi)), rub_mm=float(rng.uniform(0.5, 2.0)),
                       haze=float(rng.uniform(0.02, 0.06)), haze_r_mm=(float(rng.uniform(4.5, 6.5)),
                                                                         float(rng.uniform(2.5, 4.5))))
    m = clean_mark(rng, ink, ep, kind, n, row, col, shape=pick(rng, [("cross", 0.65), ("tick", 0.2), ("stroke", 0.15)]))
    m["erased"] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in ep["erase"].items()}
    return m


def make_votes(rng, plan, style, ink, layout=None):
    """Draw the voter's marks; return (outcome, must_review, detail)."""
    case, kind = plan["case"], style["kind"]
    n = len(style["options"])
    marks = []
    pen = make_pen(rng, pick(rng, CLEAN_PENS))
    det = dict(pen=pen["name"], pen_width=round(pen["width"], 2), pen_rgb=[round(v) for v in pen["rgb"]])

    def second_choice(first):
        if kind != 1:
            return None
        if rng.random() < 0.2:
            return None
        s = int(rng.integers(n - 1))
        s = s + 1 if s >= first else s
        marks.append(clean_mark(rng, ink, pen, kind, n, s, 1))
        return s

    if case == "clean" or case in ID_CASES:
        r = int(rng.integers(n))
        marks.append(clean_mark(rng, ink, pen, kind, n, r, 0))
        s = second_choice(r)
        out, review = vote_truth(kind, r, s), False
        if pen["name"] == "light_pencil" and pen["rgb"][0] >= 180:
            review = True  # faint: a person should see it
        if case in ID_CASES:
            kw = {}
            if case == "id_beside_name":
                kw = dict(where="beside_name", what=pick(rng, [("initials", 0.45), ("signature", 0.35), ("name", 0.2)]))
            elif case == "id_margin":
                kw = dict(where=pick(rng, [("left_margin", 0.3), ("right_margin", 0.3), ("left_margin_v", 0.2),
                                           ("right_margin_v", 0.2)]))
            elif case == "id_table_strip":
                kw = dict(where=pick(rng, [("under_rule", 0.5), ("over_strip", 0.5)]),
                          what=pick(rng, [("initials", 0.4), ("signature", 0.4), ("name", 0.2)]))
            elif case == "id_small_initials":
                kw = dict(where=pick(rng, [("top_margin", 0.2), ("below_table", 0.2), ("beside_header", 0.2),
                                           ("beside_name", 0.25), ("left_margin", 0.075), ("right_margin", 0.075)]),
                          what="initials", hgt=float(rng.uniform(3.0, 5.0)),
                          pen_name=pick(rng, [("ballpoint_black", 0.3), ("ballpoint_blue", 0.3), ("hb_pencil", 0.4)]))
            elif case == "id_over_text":
                kw = dict(where="over_text")
            det["writing"] = write_identifying(rng, ink, kind, n, layout, **kw)
            out, review = {"type": "rejected", "head": "identifying_mark"}, True
    elif case == "erased_change":
        # the voter marks a box in pencil, rubs it out, and marks another box of the same column
        pen = make_pen(rng, "hb_pencil", lum=rng.uniform(85, 125))
        det.update(pen="hb_pencil", pen_width=round(pen["width"], 2), pen_rgb=[round(v) for v in pen["rgb"]])
        col = int(rng.integers(2)) if kind == 1 else 0
        if col == 0:
            r0, r = [int(v) for v in rng.choice(n, 2, replace=False)]
            marks.append(erased_mark(rng, ink, pen, kind, n, r0, 0))
            marks.append(clean_mark(rng, ink, pen, kind, n, r, 0))
            s = second_choice(r)
        else:
            r, s0, s = [int(v) for v in rng.choice(n, 3, replace=False)]
            marks.append(clean_mark(rng, ink, pen, kind, n, r, 0))
            marks.append(erased_mark(rng, ink, pen, kind, n, s0, 1))
            marks.append(clean_mark(rng, ink, pen, kind, n, s, 1))
        out, review = vote_truth(kind, r, s), True
        det["erased_column"] = col
    elif case == "erased_second":
        pen = make_pen(rng, "hb_pencil", lum=rng.uniform(85, 125))
        det.update(pen="hb_pencil", pen_width=round(pen["width"], 2), pen_rgb=[round(v) for v in pen["rgb"]])
        r, s0 = [int(v) for v in rng.choice(n, 2, replace=False)]
        marks.append(clean_mark(rng, ink, pen, kind, n, r, 0))
        marks.append(erased_mark(rng, ink, pen, kind, n, s0, 1))
        out, review = vote_truth(kind, r, None), True
    elif case == "unmarked":
        out, review = {"type": "rejected", "head": "unmarked"}, True
    elif case == "no_first":
        r = int(rng.integers(n))
        marks.append(clean_mark(rng, ink, pen, kind, n, r, 1))
        out, review = {"type": "rejected", "head": "unmarked"}, True
    elif case == "too_many":
        rows = rng.choice(n, size=2 if rng.random() < 0.85 else 3, replace=False)
        shape = pick(rng, CLEAN_SHAPES)
        for r in rows:
            marks.append(clean_mark(rng, ink, pen, kind, n, int(r), 0, shape=shape))
        out, review = {"type": "rejected", "head": "too_many"}, True
    elif case == "uncertain":
        k = int(rng.integers(n - 1))  # between rows k and k+1
        cx, _ = box_centres(kind, n)[(k, 0)]
        cy = 100 + 18 * (k + 1) + rng.uniform(-1.5, 1.5)
        shape = pick(rng, [("cross", 0.6), ("tick", 0.2), ("stroke", 0.1), ("scribble", 0.1)])
        size = rng.uniform(8, 14) if shape != "scribble" else rng.uniform(6, 9)
        draw_mark(ink, rng, pen, shape, cx + rng.uniform(-2, 2), cy, size)
        marks.append(dict(shape=shape, between=[k, k + 1], y=round(cy, 2), size=round(size, 2)))
        out, review = {"type": "rejected", "head": "uncertain"}, True
    elif case == "beside":
        r = int(rng.integers(n))
        cx, cy = box_centres(kind, n)[(r, 0)]
        if kind == 1:
            side = -1  # left of column 1 box (x 137..144): still column 1's area
        else:
            side = -1 if rng.random() < 0.6 else 1
        size = rng.uniform(4.5, 6.5)
        mx = cx + side * (6 + 0.6 + size / 2 + rng.uniform(0, 0.6))
        if kind == 1:
            mx = min(mx, 144.6 - size / 2)
        else:
            mx = min(max(mx, 166.6 + size / 2), 193.4 - size / 2)
        my = cy + rng.uniform(-2.5, 2.5)
        shape = pick(rng, [("cross", 0.6), ("tick", 0.4)])
        draw_mark(ink, rng, pen, shape, mx, my, size)
        marks.append(dict(shape=shape, beside=r, x=round(mx, 2), y=round(my, 2), size=round(size, 2)))
        s = second_choice(r)
        out, review = vote_truth(kind, r, s), True
    elif case == "circle":
        r = int(rng.integers(n))
        cx, cy = box_centres(kind, n)[(r, 0)]
        rad = rng.uniform(8.3, 9.3)
        draw_mark(ink, rng, pen, "circle", cx + rng.uniform(-0.5, 0.5), cy + rng.uniform(-0.4, 0.4), rad, angle=0)
        marks.append(dict(shape="circle", row=r, radius=round(rad, 2)))
        s = second_choice(r)
        out, review = vote_truth(kind, r, s), True
    elif case == "crossed_out":
        r0, r = [int(v) for v in rng.choice(n, 2, replace=False)]
        marks.append(clean_mark(rng, ink, pen, kind, n, r0, 0, shape="cross"))
        cx, cy = box_centres(kind, n)[(r0, 0)]
        # obliterate: dense scribble over the first choice, in the same or heavier pen
        pen2 = pen if rng.random() < 0.6 else make_pen(rng, "felt")
        draw_mark(ink, rng, pen2, "filled", cx + rng.uniform(-0.5, 0.5), cy + rng.uniform(-0.5, 0.5),
                  rng.uniform(10.5, 13.5))
        marks.append(clean_mark(rng, ink, pen, kind, n, r, 0, shape="cross"))
        s = second_choice(r)
        out, review = vote_truth(kind, r, s), True
        det["crossed_out_row"] = r0
    elif case == "faint":
        pen = make_pen(rng, "light_pencil", width=rng.uniform(0.18, 0.32), lum=rng.uniform(175, 210))
        det.update(pen="light_pencil", pen_width=round(pen["width"], 2), pen_rgb=[round(v) for v in pen["rgb"]])
        r = int(rng.integers(n))
        marks.append(clean_mark(rng, ink, pen, kind, n, r, 0, shape=pick(rng, [("cross", 0.7), ("tick", 0.3)])))
        s = second_choice(r)
        out, review = vote_truth(kind, r, s), True
    elif case == "marker_bleed":
        pen = make_pen(rng, "felt", width=rng.uniform(1.8, 2.8))
        det.update(pen="felt", pen_width=round(pen["width"], 2), pen_rgb=[round(v) for v in pen["rgb"]])
        r = int(rng.integers(n))
        cx, cy = box_centres(kind, n)[(r, 0)]
        size = rng.uniform(12.5, 15)
        draw_mark(ink, rng, pen, "cross", cx + rng.uniform(-1, 1), cy + rng.uniform(-1, 1), size)
        marks.append(dict(shape="cross", row=r, size=round(size, 2)))
        s = second_choice(r)
        out, review = vote_truth(kind, r, s), True
    elif case == "same_as_first":
        r = int(rng.integers(n))
        marks.append(clean_mark(rng, ink, pen, kind, n, r, 0))
        marks.append(clean_mark(rng, ink, pen, kind, n, r, 1))
        out, review = vote_truth(kind, r, "same"), True
    elif case == "second_too_many":
        r = int(rng.integers(n))
        marks.append(clean_mark(rng, ink, pen, kind, n, r, 0))
        others = [k for k in range(n) if k != r]
        for s in rng.choice(others, 2, replace=False):
            marks.append(clean_mark(rng, ink, pen, kind, n, int(s), 1))
        out, review = vote_truth(kind, r, "too_many"), True
    elif case == "dot":
        r = int(rng.integers(n))
        marks.append(clean_mark(rng, ink, make_pen(rng, "hb_pencil", width=rng.uniform(0.9, 1.6)), kind, n, r, 0,
                                shape="dot", jitter=1.5))
        out, review = vote_truth(kind, r, None), True
    else:
        raise ValueError(case)
    det["marks"] = marks
    return out, review, det


def stroke_bbox(strokes, margin):
    P = np.concatenate([np.asarray(s, float) for s in strokes])
    return (P[:, 0].min() - margin, P[:, 1].min() - margin, P[:, 0].max() + margin, P[:, 1].max() + margin)


def overlaps(a, b, gap=0.0):
    return not (a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1])


def printed_boxes(kind, n, H, layout):
    """Bounding boxes (mm) of everything printed, for placing writing clear of print."""
    bbs = list(layout["header"]) + list(layout["headings"]) + list(layout["names"]) + \
        [b for b in layout["descs"] if b]
    for cx, cy in [(12, 12), (198, 12), (12, H - 12), (198, H - 12)]:
        bbs.append((cx - 3, cy - 3, cx + 3, cy + 3))
    bbs.append((30, H - 14, 189, H - 10))  # code strip
    for k in range(n + 1):
        y = 100 + 18 * k
        bbs.append((16, y - 0.15, 194, y + 0.15))
    for x in ([16, 136, 166, 194] if kind == 1 else [16, 166, 194]):
        bbs.append((x - 0.15, 88, x + 0.15, 100 + 18 * n))
    for (k, c), (cx, cy) in box_centres(kind, n).items():
        bbs.append((cx - 9, cy - 9, cx + 9, cy + 9))  # box + halo
    return bbs


def place(rng, lbb, region, avoid, gap, tries=400, must_hit=None):
    """Random offset (x, y) putting local bbox lbb inside region, clear of avoid by gap (and overlapping
    must_hit if given). None if it does not fit."""
    w, h = lbb[2] - lbb[0], lbb[3] - lbb[1]
    if w > region[2] - region[0] or h > region[3] - region[1]:
        return None
    for _ in range(tries):
        x0 = rng.uniform(region[0], region[2] - w)
        y0 = rng.uniform(region[1], region[3] - h)
        bb = (x0, y0, x0 + w, y0 + h)
        if must_hit is not None:
            hx0, hy0, hx1, hy1 = must_hit
            ox = min(bb[2], hx1) - max(bb[0], hx0)
            oy = min(bb[3], hy1) - max(bb[1], hy0)
            if ox < 0.5 * min(w, hx1 - hx0) or oy < 0.5 * min(h, hy1 - hy0):
                continue
        elif any(overlaps(bb, a, gap) for a in avoid):
            continue
        return x0 - lbb[0], y0 - lbb[1]
    return None


def make_writing(rng, what, hgt, vertical=False):
    """(strokes in local mm, text or None, length). 'name' is rendered as text, strokes None."""
    if what == "signature":
        strokes, L = signature_strokes(rng, rng.uniform(22, 40) if hgt > 3.6 else rng.uniform(15, 28), hgt)
        txt = None
    elif what == "initials":
        strokes, L, txt = initials_strokes(rng, hgt)
    else:
        txt = str(rng.choice(["J. Smith", "Mary Jones", "A. Patel", "Tom Brown", "K. Okafor", "S. Nowak"]))
        strokes, L = None, None
    if strokes is not None and vertical:  # written up the margin: rotate 90 degrees anticlockwise
        strokes = [[(y, -x) for x, y in st] for st in strokes]
    return strokes, txt


def write_identifying(rng, ink, kind, n, layout, where=None, what=None, pen_name=None, hgt=None):
    """A signature, initials or a name in a place that no printed element or box halo covers."""
    H = page_height(n)
    pen = make_pen(rng, pen_name or pick(rng, [("hb_pencil", 0.4), ("ballpoint_blue", 0.25),
                                               ("ballpoint_black", 0.25), ("red", 0.1)]))
    pen["role"] = "writing"
    if where is None:
        where = pick(rng, [("top_margin", 0.25), ("below_table", 0.35), ("left_margin", 0.15),
                           ("right_margin", 0.1), ("beside_header", 0.15)])
    if what is None:
        what = pick(rng, [("signature", 0.45), ("initials", 0.35), ("name", 0.2)])
    vertical = False
    if where in ("left_margin", "right_margin"):
        if what == "name":
            what = "initials"
    if where in ("left_margin_v", "right_margin_v"):
        what, vertical = "signature", True
    if where == "over_text":
        what = "signature"
    if hgt is None:
        hgt = {"signature": rng.uniform(3.5, 6), "initials": rng.uniform(3.5, 5.5), "name": rng.uniform(3.5, 5)}[what]
        if where in ("left_margin", "right_margin", "left_margin_v", "right_margin_v"):
            hgt = rng.uniform(3, 4)
        if where == "beside_name":
            hgt = min(hgt, rng.uniform(3, 4.5))
        if where == "over_text":
            hgt = rng.uniform(4.5, 7)
    tb = 100 + 18 * n  # table bottom
    avoid = printed_boxes(kind, n, H, layout)
    gap = 1.0
    row = None
    must_hit = None
    # regions the whole writing must lie in
    if where == "top_margin":
        regions = [(22, 2.5, 188, 21.5)]
    elif where == "below_table":
        regions = [(22, tb + 1.0, 188, H - 15.0)]
    elif where == "under_rule":  # between table and strip, hard under the table's bottom rule
        regions = [(22, tb + rng.uniform(0.6, 1.2), 188, tb + 1.4 + hgt * 1.9)]
        gap = 0.5
    elif where == "over_strip":  # between table and strip, hard over the code strip
        regions = [(22, H - 15.6 - hgt * 1.9, 188, H - 14 - rng.uniform(0.7, 1.2))]
        gap = 0.5
    elif where in ("left_margin", "left_margin_v"):
        regions = [(2.5, 22, 15.2, H - 22)]
        gap = 0.7
    elif where in ("right_margin", "right_margin_v"):
        regions = [(194.8, 22, 207.5, H - 22)]
        gap = 0.7
    elif where == "beside_header":
        regions = [(20, 22, 190, 86)]
    elif where == "beside_name":
        rows = [int(v) for v in rng.permutation(n)]
        regions = [(18, 100 + 18 * k + 1.0, 132, 100 + 18 * k + 17.0) for k in rows]
        gap = 1.5
    elif where == "over_text":
        must_hit = layout["header"][int(rng.integers(2))]  # title or area name
        regions = [(18, 19.5, 192, 87)]
    else:
        raise ValueError(where)
    strokes, txt = make_writing(rng, what, hgt, vertical)
    if strokes is not None:
        lbb = stroke_bbox(strokes, 0.5 * pen["width"] + 0.4)
    else:
        f = font("italic", hgt * 1.3 * ink.p)
        bb = f.getbbox(txt, anchor="lm")
        lbb = tuple(v / ink.p for v in bb)
        lbb = (lbb[0] - 0.3, lbb[1] - 0.3, lbb[2] + 0.3, lbb[3] + 0.3)
    if where == "under_rule":  # the writing's top within 0.6-1.2 of the table's bottom rule
        y0 = tb + rng.uniform(0.6, 1.2)
        regions = [(22, y0, 188, y0 + (lbb[3] - lbb[1]) + 0.2)]
    elif where == "over_strip":  # the writing's bottom within 0.7-1.2 of the strip's top
        y1 = H - 14 - rng.uniform(0.7, 1.2)
        regions = [(22, y1 - (lbb[3] - lbb[1]) - 0.2, 188, y1)]
    off = None
    for i, reg in enumerate(regions):
        off = place(rng, lbb, reg, avoid, gap, must_hit=must_hit)
        if off is not None:
            if where == "beside_name":
                row = rows[i]
            break
    if off is None:  # does not fit there: fall back to the space under the table
        where = where + "->below_table"
        off = place(rng, lbb, (22, tb + 1.0, 188, H - 15.0), avoid, 1.0)
        assert off is not None
    x, y = off
    if strokes is None:
        ink.text(pen, x, y, txt, hgt * 1.3)
    else:
        for st in strokes:
            P = hand_line(rng, st, n_per_mm=4, wobble=0.1) + np.array([x, y])
            ink.stroke(pen, P)
    bb = [round(lbb[0] + x, 1), round(lbb[1] + y, 1), round(lbb[2] + x, 1), round(lbb[3] + y, 1)]
    out = dict(what=what, where=where, bbox=bb, height=round(hgt, 2), pen=pen["name"])
    if txt:
        out["text"] = txt
    if row is not None:
        out["row"] = row
    return out


# --------------------------------------------------------------------------- scanner


def gauss_kernel(sigma):
    r = max(int(math.ceil(2.5 * sigma)), 1)
    x = np.arange(-r, r + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / max(sigma, 1e-3)) ** 2)
    return k / k.sum(), r


def blur(img, sigma):
    """Separable gaussian blur of (C,H,W) float32, edge-replicated."""
    if sigma < 0.15:
        return img
    k, r = gauss_kernel(sigma)
    k = k.astype(np.float32)
    H, Wd = img.shape[1], img.shape[2]
    if H <= 2 * r or Wd <= 2 * r:
        return img
    tmp = np.empty_like(img)
    out = img * k[r]
    # vertical pass: shifted views; edges replicate
    for i in range(1, r + 1):
        tmp[:, i:] = img[:, :-i]
        tmp[:, :i] = img[:, :1]
        out += k[r - i] * tmp
        tmp[:, :-i] = img[:, i:]
        tmp[:, -i:] = img[:, -1:]
        out += k[r + i] * tmp
    img2 = out
    out = img2 * k[r]
    for i in range(1, r + 1):
        tmp[:, :, i:] = img2[:, :, :-i]
        tmp[:, :, :i] = img2[:, :, :1]
        out += k[r - i] * tmp
        tmp[:, :, :-i] = img2[:, :, i:]
        tmp[:, :, -i:] = img2[:, :, -1:]
        out += k[r + i] * tmp
    return out


def box_mean(a, r):
    """Mean over (2r+1)^2 window of 2-D array via integral image."""
    p = np.pad(a, r + 1, mode="edge").astype(np.float64)
    s = p.cumsum(0).cumsum(1)
    n = 2 * r + 1
    H, Wd = a.shape
    tot = s[n:n + H, n:n + Wd] - s[0:H, n:n + Wd] - s[n:n + H, 0:Wd] + s[0:H, 0:Wd]
    return (tot / (n * n)).astype(np.float32)


def scan(rng, paper, p, W_mm, H_mm, colour, dpi, art=(), cols_mm=()):
    """paper: (C,h,w) float32 paper-frame image (values 0..255). Returns scanned (C,Hs,Ws) float32 + params."""
    C = paper.shape[0]
    ang = math.radians(rng.uniform(-3, 3))
    s = rng.uniform(0.97, 1.03)
    ud = rng.random() < 0.15
    bgk = pick(rng, [("white", 0.4), ("grey", 0.3), ("black", 0.3)])
    bg = {"white": rng.uniform(225, 252), "grey": rng.uniform(110, 180), "black": rng.uniform(5, 35)}[bgk]
    margins = rng.uniform(0, 20, 4)  # left, top, right, bottom (mm)
    if rng.random() < 0.15:
        margins[rng.integers(4)] = 0.0
    shift = rng.uniform(-10, 10, 2)
    # paper mm -> scan px: q = M @ (mm) + t ; upside down: mm' = (W-x, H-y)
    c, sn = math.cos(ang), math.sin(ang)
    M = s * p * np.array([[c, -sn], [sn, c]])
    if ud:
        M = -M
    corners = np.array([[0, 0], [W_mm, 0], [0, H_mm], [W_mm, H_mm]])
    q = corners @ M.T
    lo, hi = q.min(0), q.max(0)
    mpx = margins * p
    off = np.array([mpx[0], mpx[1]]) + shift * p
    # effective margins may not crop more than 1.5 mm of the paper's bounding box
    eff_l, eff_t = off
    Ws = int(round(hi[0] - lo[0] + mpx[0] + mpx[2]))
    Hs = int(round(hi[1] - lo[1] + mpx[1] + mpx[3]))
    off[0] = np.clip(off[0], -1.5 * p, Ws - (hi[0] - lo[0]) + 1.5 * p)
    off[1] = np.clip(off[1], -1.5 * p, Hs - (hi[1] - lo[1]) + 1.5 * p)
    t = off - lo
    # PIL affine maps output (u,v) -> input (x,y) in paper px: x = Minv @ ((u,v) - t) * p ... paper px = mm*p
    Mp = M / p  # per paper-px
    Minv = np.linalg.inv(Mp)
    # pixel centres: PIL uses centre convention for AFFINE (input x = a*u + b*v + c with u at centre)
    cvec = -Minv @ t
    data = (Minv[0, 0], Minv[0, 1], cvec[0], Minv[1, 0], Minv[1, 1], cvec[1])
    out = np.empty((C, Hs, Ws), np.float32)
    for ch in range(C):
        im = Image.fromarray(np.clip(paper[ch], 0, 255).astype(np.uint8), "L")
        tr = im.transform((Ws, Hs), Image.AFFINE, data, resample=Image.BILINEAR, fillcolor=int(bg))
        out[ch] = np.asarray(tr, np.float32)
    # paper edge shadow on light backgrounds
    if bgk != "black":
        mask = Image.new("L", paper.shape[:0:-1], 255).transform((Ws, Hs), Image.AFFINE, data,
                                                                  resample=Image.BILINEAR, fillcolor=0)
        from PIL import ImageFilter
        mb = mask.filter(ImageFilter.GaussianBlur(1.5))
        edge = np.abs(np.asarray(mb, np.float32) - np.asarray(mask, np.float32)) / 255.0
        out -= edge[None] * rng.uniform(40, 90)
    # lighting gradient
    gy = np.linspace(-0.5, 0.5, Hs, dtype=np.float32)[:, None]
    gx = np.linspace(-0.5, 0.5, Ws, dtype=np.float32)[None, :]
    ax, ay = rng.uniform(-0.08, 0.08, 2)
    vig = rng.uniform(0, 0.06)
    light = 1 + ax * gx + ay * gy - vig * (gx * gx + gy * gy) * 2
    out *= light[None]
    sigma = rng.uniform(0.5, 1.5)
    out = blur(out, sigma * 0.85)
    gamma = rng.uniform(0.8, 1.25)
    lut = (255.0 * (np.arange(1024, dtype=np.float32) / 1020.0) ** gamma).astype(np.float32)
    np.clip(out, 0, 255, out=out)
    out = lut[(out * 4).astype(np.int16)]
    noise = rng.uniform(1.0, 5.0)
    out += rng.standard_normal((1, Hs, Ws), dtype=np.float32) * noise  # luminance noise
    if C == 3:
        out += rng.standard_normal((3, Hs, Ws), dtype=np.float32) * (noise * 0.4)
    # dust specks
    nd = int(rng.integers(0, 6))
    for _ in range(nd):
        u, v = int(rng.integers(0, Ws)), int(rng.integers(0, Hs))
        r = int(rng.integers(1, 3))
        out[:, max(v - r // 2, 0):v + (r + 1) // 2 + 1, max(u - r // 2, 0):u + (r + 1) // 2 + 1] *= rng.uniform(0.3, 0.7)
    heavy = None
    if "dust_heavy" in art:  # 10-40 specks of 1-4 px
        heavy = []
        for _ in range(int(rng.integers(10, 41))):
            u, v = int(rng.integers(0, Ws)), int(rng.integers(0, Hs))
            r = int(rng.integers(1, 5))
            f = rng.uniform(0.2, 0.7)
            out[:, v:v + r, u:u + r] *= f
            heavy.append([u, v, r, round(f, 2)])
    colstreak = None
    if "column_streak" in art and cols_mm:
        # faint vertical streak through a box column: the column centre's scan x at mid-page, +-4 mm
        xm = float(cols_mm[int(rng.integers(len(cols_mm)))]) + rng.uniform(-4, 4)
        ym = H_mm / 2
        u = int(round(M[0, 0] * xm + M[0, 1] * ym + t[0]))
        wd = int(rng.integers(1, 4))
        d = rng.uniform(6, 20)
        u = min(max(u, 0), Ws - wd)
        out[:, :, u:u + wd] -= d
        colstreak = dict(x=u, x_mm=round(xm, 1), width=wd, depth=round(d, 1))
    streak = None
    if rng.random() < 0.10:
        u = int(rng.integers(0, Ws - 2))
        wd = int(rng.integers(1, 3))
        d = rng.uniform(3, 10)
        out[:, :, u:u + wd] -= d
        streak = dict(x=u, width=wd, depth=round(d, 1))
    np.clip(out, 0, 255, out=out)
    params = dict(angle_deg=round(math.degrees(ang), 3), scale=round(s, 4), upside_down=bool(ud), background=bgk,
                  bg_level=round(bg), margins_mm=[round(v, 1) for v in margins], shift_mm=[round(v, 1) for v in shift],
                  blur_sigma=round(sigma, 2), gamma=round(gamma, 3), noise=round(noise, 2), dust=nd, streak=streak,
                  dust_heavy=heavy, column_streak=colstreak,
                  size_px=[Ws, Hs])
    params["_affine"] = (data, Ws, Hs)
    return out, params


def to_bilevel(rng, lum, white):
    mode = pick(rng, [("adaptive", 0.6), ("fixed", 0.4)])
    if mode == "fixed":
        frac = rng.uniform(0.55, 0.68)
        bw = lum > frac * white
        return bw, dict(threshold="fixed", frac=round(frac, 3))
    r = int(rng.uniform(4, 8) * lum.shape[1] / 210.0)  # ~4-8 mm window half-size
    m = box_mean(lum, r)
    k = rng.uniform(0.7, 0.8)
    bw = lum > np.minimum(m * k, white * 0.72)
    return bw, dict(threshold="adaptive", k=round(k, 3), r_px=r)


# --------------------------------------------------------------------------- one paper


def render_one(args):
    idx, plan, styles, out_dir = args
    rng = np.random.default_rng(plan["seed"])
    dpi, fmt, case = plan["dpi"], plan["format"], plan["case"]
    p = dpi / 25.4
    colour = fmt in ("colour", "rgba")
    art = plan.get("artefacts", [])
    C = 3 if colour else 1
    white = float(rng.uniform(200, 250))
    black = float(rng.uniform(10, 60))
    paper_tint = np.array([1.0, rng.uniform(0.985, 1.0), rng.uniform(0.95, 1.0)], np.float32)
    style = styles.get(plan["style"])
    rec = dict(style=plan["style"], kind=KIND_NAMES[plan["style"] >> 8], case=case, dpi=dpi, format=fmt)
    detail = dict(paper_white=round(white), print_black=round(black))
    if case in ("blank_page", "text_page"):
        H_mm = 297.0
        hpx, wpx = int(round(H_mm * p)), int(round(W * p))
        cov = np.zeros((hpx, wpx), np.float32)
        if case == "text_page":
            timg = Image.new("L", (wpx, hpx), 0)
            d = ImageDraw.Draw(timg)
            words = ("the of council notice residents election polling station hours register ward "
                     "borough meeting agenda minutes item report planning application consultation "
                     "vote candidate London assembly budget transport housing").split()
            f = font("serif", 3.8 * p)
            d.text((20 * p, 20 * p), "NOTICE OF MEETING", fill=255, font=font("serif_b", 6 * p))
            y = 34.0
            while y < 280:
                line = " ".join(rng.choice(words, int(rng.integers(8, 14)))).capitalize()
                d.text((20 * p, y * p), line, fill=255, font=f)
                y += 6.0
            cov = np.asarray(timg, np.float32) / 255.0
        rec.update(style=None, kind="none")
        outcome, review = {"type": "not_a_ballot"}, True
        ink = Ink(cov.shape, p, rng)
    else:
        flip = None
        if case == "bad_code":
            flip = int(rng.integers(4, 28))
            detail["flipped_cell"] = flip
        hdr = choose_header(rng, style["kind"])
        cov, H_mm, layout = render_print(style, p, rng, flip_cell=flip, hdr=hdr)
        detail["header"] = dict(hdr, instr_lines=layout["instr_lines"])
        ink = Ink(cov.shape, p, rng)
        if case in ("bad_code", "corrupt_file"):
            sub = dict(plan, case="clean")
            outcome, review, det = make_votes(rng, sub, style, ink, layout)
            detail["votes_drawn"] = outcome
            outcome, review = {"type": "not_a_ballot"}, True
        else:
            outcome, review, det = make_votes(rng, plan, style, ink, layout)
        detail.update(det)
    img = (white - (white - black) * cov)[None].repeat(C, 0)
    if C == 3:
        img *= paper_tint[:, None, None]
    # faint paper texture
    tex = rng.standard_normal((max(cov.shape[0] // 4, 1), max(cov.shape[1] // 4, 1)), dtype=np.float32)
    tex = np.asarray(Image.fromarray(tex, "F").resize(cov.shape[::-1], Image.BILINEAR), np.float32)
    img *= (1 + tex * 0.008)[None]
    img = ink.composite(img, white)
    if "lid_shadow" in art:  # scanner lid shadow darkening one paper edge
        edge = pick(rng, [("left", 0.3), ("right", 0.3), ("top", 0.2), ("bottom", 0.2)])
        wmm, dark = rng.uniform(3, 10), rng.uniform(0.06, 0.18)
        hh, ww = img.shape[1], img.shape[2]
        if edge in ("left", "right"):
            dist = np.arange(ww, dtype=np.float32) / p
            if edge == "right":
                dist = dist[::-1]
            prof = (1 - dark * np.exp(-dist / wmm))[None, None, :]
        else:
            dist = np.arange(hh, dtype=np.float32) / p
            if edge == "bottom":
                dist = dist[::-1]
            prof = (1 - dark * np.exp(-dist / wmm))[None, :, None]
        img = img * prof
        detail["lid_shadow"] = dict(edge=edge, width_mm=round(wmm, 1), darkness=round(dark, 3))
    cols_mm = [] if style is None or case in ("blank_page", "text_page") else (
        [151.0, 181.0] if style["kind"] == 1 else [181.0])
    scanned, sp = scan(rng, img, p, W, H_mm, colour, dpi, art, cols_mm)
    affine = sp.pop("_affine")
    detail["scan"] = sp
    # where did the voter's ink land in the scan (for measuring what the scanner kept of it)
    masks = {}
    for pen, a in ink.layers:
        role = pen.get("role", "vote")
        m = masks.get(role)
        masks[role] = a if m is None else np.maximum(m, a)
    for role in masks:
        mi = Image.fromarray((masks[role] > 0.5).astype(np.uint8) * 255, "L")
        masks[role] = np.asarray(mi.transform(affine[1:], Image.AFFINE, affine[0], resample=Image.NEAREST,
                                              fillcolor=0)) > 0
    name = "p%05d" % idx
    if fmt == "g4":
        lum = scanned[0]
        bw, th = to_bilevel(rng, lum, np.percentile(lum[::8, ::8], 90))
        sp.update(th)
        surv = {role: round(float(bw[m].size and (~bw[m]).mean()), 3) for role, m in masks.items() if m.any()}
        im = Image.fromarray(bw.astype(np.uint8) * 255, "L").convert("1", dither=Image.Dither.NONE)
        fn, kw = name + ".tif", dict(format="TIFF", compression="group4", dpi=(dpi, dpi))
    else:
        arr = np.clip(scanned + 0.5, 0, 255).astype(np.uint8)
        lum = scanned[0] if C == 1 else 0.299 * scanned[0] + 0.587 * scanned[1] + 0.114 * scanned[2]
        pw = np.percentile(lum[::8, ::8], 90)
        cut = pw - 0.10 * (pw - black)
        surv = {role: round(float((lum[m] < cut).mean()), 3) for role, m in masks.items() if m.any()}
        if fmt == "rgba":
            alpha = np.full_like(arr[:1], 255)
            im = Image.fromarray(np.moveaxis(np.concatenate([arr, alpha]), 0, 2), "RGBA")
        elif C == 3:
            im = Image.fromarray(np.moveaxis(arr, 0, 2), "RGB")
        elif fmt == "png16":
            a16 = np.clip(scanned[0] * 257.0 + 0.5, 0, 65535).astype(np.uint16)
            im = Image.fromarray(a16)
            assert im.mode == "I;16"
        else:
            im = Image.fromarray(arr[0], "L")
        if fmt in ("png", "png16", "rgba"):
            fn, kw = name + ".png", dict(format="PNG", dpi=(dpi, dpi), compress_level=3)
        else:
            qual = int(rng.integers(50, 60)) if "jpeg_low" in art else int(rng.integers(60, 96))
            sp["jpeg_quality"] = qual
            fn, kw = name + ".jpg", dict(format="JPEG", quality=qual, dpi=(dpi, dpi))
    buf = io.BytesIO()
    im.save(buf, **kw)
    data = buf.getvalue()
    if case == "corrupt_file":
        how = pick(rng, [("truncate", 0.6), ("garble_header", 0.4)])
        if how == "truncate":
            data = data[: int(len(data) * rng.uniform(0.05, 0.4))]
        else:
            b = bytearray(data)
            for i in range(8, min(len(b), 400)):
                if rng.random() < 0.3:
                    b[i] = int(rng.integers(256))
            b[0:4] = b"\x00\x00\x00\x00"
            data = bytes(b)
        detail["corruption"] = how
    # share of the voter's ink pixels the scan shows as ink (g4: black; grey: 10% of span below white)
    detail["ink_survival"] = surv
    with open(os.path.join(out_dir, fn), "wb") as f:
        f.write(data)
    detail["artefacts"] = art
    rec.update(file=fn, outcome=outcome, must_review=bool(review), detail=detail)
    order = ["file", "style", "kind", "outcome", "must_review", "case", "dpi", "format", "detail"]
    return {k: rec[k] for k in order}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--papers", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--dpi", type=int, choices=[150, 200, 300])
    ap.add_argument("--format", default="mixed", choices=["png", "png16", "rgba", "jpeg", "colour", "g4", "mixed"])
    ap.add_argument("--case", help="render only this case (testing)")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    styles = load_election()
    rng = np.random.default_rng(a.seed)
    plans = [plan_paper(rng, styles, a.dpi, a.format) for _ in range(a.papers)]
    if a.case:
        for pl in plans:
            pl["case"] = a.case
            if a.case in MAYOR_ONLY:
                pl["style"] = 256 + (pl["style"] & 255)
    jobs = [(i + 1, pl, styles, a.out) for i, pl in enumerate(plans)]
    with open(os.path.join(a.out, "truth.jsonl"), "w") as tf:
        if a.jobs > 1:
            with mp.Pool(a.jobs) as pool:
                for i, rec in enumerate(pool.imap(render_one, jobs, chunksize=4)):
                    tf.write(json.dumps(rec) + "\n")
                    if (i + 1) % 50 == 0:
                        print(f"{i + 1}/{a.papers}", file=sys.stderr)
        else:
            for j in jobs:
                tf.write(json.dumps(render_one(j)) + "\n")


if __name__ == "__main__":
    main()
