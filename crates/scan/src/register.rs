//! Stage 2: find the four fiducials and fit the paper-to-image transform.
//!
//! Works on a sparse sample of the page (every `stride`-th pixel) to find candidate squares,
//! then refines each chosen fiducial at full resolution in a small window. Nothing here
//! touches every pixel of the page.

use crate::decode::Decoded;
use crate::reading::{Transform, Unreadable};
use ecount_election::layout::{FIDUCIAL_INSET, FIDUCIAL_SIZE, WIDTH};
use image::GrayImage;

/// Pixels per mm the reader accepts: 150 dpi x 0.97 to 300 dpi x 1.03, with a margin.
const MIN_PPM: f64 = 5.4;
const MAX_PPM: f64 = 12.6;
/// Horizontal distance between fiducial centres on the paper.
const FIDUCIAL_SPAN_X: f64 = WIDTH - 2.0 * FIDUCIAL_INSET;
/// Relative tolerance on the rectangle the four fiducials form (opposite sides equal, right
/// angles): scanners keep aspect to well under 1%.
const RECT_TOLERANCE: f64 = 0.02;

/// A page whose fiducials were found, before its orientation and style are known.
#[derive(Clone)]
pub struct Registered<'a> {
    pub image: &'a GrayImage,
    /// Pixels per millimetre, from the fiducial spacing.
    pub ppm: f64,
    /// Fiducial centres in image pixels, by image corner: top-left, top-right, bottom-left,
    /// bottom-right.
    pub centres: [(f64, f64); 4],
    /// Measured paper height (mm) from the vertical fiducial spacing.
    pub height_mm: f64,
    /// Paper white measured beside each fiducial, same order as `centres`.
    pub white: [f64; 4],
    /// Print black measured inside the fiducials.
    pub black: f64,
    /// Whether every pixel of the fiducials' cores and quiet zones is pure black or white, as
    /// on a bilevel scan (a grey scan's noise leaves grey there). Not the means: a speck of
    /// dust in a quiet zone pulls its white under 255 on a bilevel scan too (hard 200-dpi G4
    /// tree, seed 7, paper 1280: white 253.9, and the crease search took the page for grey,
    /// lightened its crease instead of clearing its specks, and flagged them as writing).
    pub bilevel: bool,
}

impl Registered<'_> {
    /// The affine map from paper mm to image px for a paper of height `height` mm, upright or
    /// fed upside down, with the RMS residual of the four fiducials in mm.
    pub fn transform(&self, height: f64, upside_down: bool) -> (Transform, f64) {
        let (l, r) = (FIDUCIAL_INSET, WIDTH - FIDUCIAL_INSET);
        let (t, b) = (FIDUCIAL_INSET, height - FIDUCIAL_INSET);
        // Paper points seen at image corners TL, TR, BL, BR.
        let paper = if upside_down {
            [(r, b), (l, b), (r, t), (l, t)]
        } else {
            [(l, t), (r, t), (l, b), (r, b)]
        };
        let tf = fit_affine(&paper, &self.centres);
        let sq: f64 = paper
            .iter()
            .zip(&self.centres)
            .map(|(&(x, y), &(u, v))| {
                let (pu, pv) = tf.apply(x, y);
                (pu - u).powi(2) + (pv - v).powi(2)
            })
            .sum();
        (tf, (sq / 4.0).sqrt() / self.ppm)
    }

    /// Paper white near image point (x, y), interpolated between the four fiducials' readings
    /// so that uneven illumination across the page is followed.
    pub fn white_at(&self, x: f64, y: f64) -> f64 {
        let [tl, tr, bl, br] = self.centres;
        let fx = ((x - tl.0) / (tr.0 - tl.0).max(1.0)).clamp(0.0, 1.0);
        let fy = ((y - tl.1) / (bl.1 - tl.1).max(1.0)).clamp(0.0, 1.0);
        let _ = br;
        let top = self.white[0] * (1.0 - fx) + self.white[1] * fx;
        let bottom = self.white[2] * (1.0 - fx) + self.white[3] * fx;
        top * (1.0 - fy) + bottom * fy
    }
}

/// Least-squares affine fit mapping `from` (paper) to `to` (image).
pub fn fit_affine(from: &[(f64, f64); 4], to: &[(f64, f64); 4]) -> Transform {
    // Normal equations for [x y 1] * [a b c]^T = u, shared by both output coordinates.
    let mut m = [[0.0f64; 3]; 3];
    let mut ru = [0.0f64; 3];
    let mut rv = [0.0f64; 3];
    for (&(x, y), &(u, v)) in from.iter().zip(to) {
        let row = [x, y, 1.0];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += row[i] * row[j];
            }
            ru[i] += row[i] * u;
            rv[i] += row[i] * v;
        }
    }
    let [a, b, c] = solve3(m, ru);
    let [d, e, f] = solve3(m, rv);
    Transform { a, b, c, d, e, f }
}

fn solve3(m: [[f64; 3]; 3], r: [f64; 3]) -> [f64; 3] {
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&m);
    if d.abs() < 1e-12 {
        return [0.0; 3];
    }
    let mut out = [0.0; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let mut mk = m;
        for i in 0..3 {
            mk[i][k] = r[i];
        }
        *o = det(&mk) / d;
    }
    out
}

/// A dark, solid, square-ish blob found on the sparse sample.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    x: f64,
    y: f64,
    side: f64,
}

/// Finds the four fiducials. Failures say what was seen.
pub fn register(decoded: &Decoded) -> Result<Registered<'_>, Unreadable> {
    let image = &decoded.image;
    let (w, h) = image.dimensions();
    // About 250 samples across the short side: a fiducial still spans 8 or more.
    let stride = (w.min(h) / 250).max(1);
    let sample = Sample::new(image, stride);
    let white = sample.percentile(0.90);
    if white < 60.0 {
        return Err(Unreadable::NotABallot {
            detail: format!("page too dark (paper white {white:.0})"),
        });
    }
    // Solid squares first; only if they give no rectangle, accept blobs whose edges noise has
    // eaten (a fiducial is only about 8 samples across). Missing-corner reports use the
    // strict set, so bold print on a page that is not a ballot is not taken for fiducials.
    let strict = sample.square_blobs(0.55 * white, 0.7, false);
    let found = best_rectangle(&strict).or_else(|| {
        let loose = sample.square_blobs(0.55 * white, 0.55, true);
        best_rectangle(&loose)
    });
    let (quad, ppm) = match found {
        Some(q) => q,
        None if strict.len() < 3 => {
            return Err(Unreadable::NotABallot {
                detail: format!("{} fiducial-like squares found, 4 needed", strict.len()),
            })
        }
        None => return Err(missing_or_not_ballot(&strict)),
    };
    let mut centres = [(0.0, 0.0); 4];
    let mut whites = [0.0; 4];
    let mut blacks = [0.0; 4];
    let mut bilevel = true;
    for (i, c) in quad.iter().enumerate() {
        let r = refine(image, c, ppm, white);
        centres[i] = (r.x, r.y);
        whites[i] = r.white;
        blacks[i] = r.black;
        bilevel &= r.pure;
    }
    let black = blacks.iter().sum::<f64>() / 4.0;
    if whites.iter().any(|&wh| wh - black < 40.0) {
        return Err(Unreadable::NotABallot {
            detail: "fiducials lack contrast with the paper around them".into(),
        });
    }
    let dist = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let top = dist(centres[0], centres[1]);
    let bottom = dist(centres[2], centres[3]);
    let left = dist(centres[0], centres[2]);
    let right = dist(centres[1], centres[3]);
    let ppm = (top + bottom) / 2.0 / FIDUCIAL_SPAN_X;
    let height_mm = (left + right) / 2.0 / ppm + 2.0 * FIDUCIAL_INSET;
    Ok(Registered {
        image,
        ppm,
        centres,
        height_mm,
        white: whites,
        black,
        bilevel,
    })
}

fn missing_or_not_ballot(candidates: &[Candidate]) -> Unreadable {
    // Three squares forming a right angle with the paper's proportions: one corner is missing.
    for (i, a) in candidates.iter().enumerate() {
        for (j, b) in candidates.iter().enumerate() {
            if i == j {
                continue;
            }
            let dx = b.x - a.x;
            let dy = b.y - a.y;
            let ppm = (dx * dx + dy * dy).sqrt() / FIDUCIAL_SPAN_X;
            if !(MIN_PPM..=MAX_PPM).contains(&ppm) || dx.abs() < 3.0 * dy.abs() {
                continue;
            }
            if (a.side / ppm - FIDUCIAL_SIZE).abs() > 0.3 * FIDUCIAL_SIZE {
                continue;
            }
            // a -> b is a horizontal pair; look for a third below or above either end.
            for c in candidates {
                for (base, name_if_below, name_if_above) in [
                    (a, "bottom-right", "top-right"),
                    (b, "bottom-left", "top-left"),
                ] {
                    let (vx, vy) = (c.x - base.x, c.y - base.y);
                    let len = (vx * vx + vy * vy).sqrt();
                    if len < 100.0 * ppm || vy.abs() < 3.0 * vx.abs() {
                        continue;
                    }
                    // The third square must be a fiducial too, at a height some paper has.
                    let rows = (len / ppm + 2.0 * FIDUCIAL_INSET - 130.0) / 18.0;
                    if (c.side / ppm - FIDUCIAL_SIZE).abs() > 0.3 * FIDUCIAL_SIZE
                        || (rows - rows.round()).abs() > 0.15
                        || !(1.0..=40.0).contains(&rows.round())
                    {
                        continue;
                    }
                    let cos = (vx * dx + vy * dy) / (len * (dx * dx + dy * dy).sqrt());
                    if cos.abs() < 0.05 {
                        let corner = if vy > 0.0 {
                            name_if_below
                        } else {
                            name_if_above
                        };
                        return Unreadable::FiducialMissing {
                            corner: corner.into(),
                            found: 3,
                        };
                    }
                }
            }
        }
    }
    Unreadable::NotABallot {
        detail: "no four squares form a ballot paper's fiducial rectangle".into(),
    }
}

/// Chooses the four candidates (TL, TR, BL, BR in the image) that best form the fiducial
/// rectangle, returning them and the pixels-per-mm they imply.
fn best_rectangle(cands: &[Candidate]) -> Option<([Candidate; 4], f64)> {
    const K: usize = 4;
    let top_k = |key: &dyn Fn(&Candidate) -> f64| {
        let mut v: Vec<&Candidate> = cands.iter().collect();
        v.sort_by(|a, b| key(a).total_cmp(&key(b)));
        v.into_iter().take(K).copied().collect::<Vec<_>>()
    };
    let tl = top_k(&|c| c.x + c.y);
    let br = top_k(&|c| -(c.x + c.y));
    let tr = top_k(&|c| -(c.x - c.y));
    let bl = top_k(&|c| c.x - c.y);
    let mut best: Option<([Candidate; 4], f64, f64)> = None;
    for a in &tl {
        for b in &tr {
            for c in &bl {
                for d in &br {
                    if let Some((err, ppm)) = rectangle_error(a, b, c, d) {
                        if best.as_ref().is_none_or(|(_, e, _)| err < *e) {
                            best = Some(([*a, *b, *c, *d], err, ppm));
                        }
                    }
                }
            }
        }
    }
    best.map(|(q, _, ppm)| (q, ppm))
}

/// How far four points are from the fiducial rectangle; `None` when they are not one.
fn rectangle_error(
    tl: &Candidate,
    tr: &Candidate,
    bl: &Candidate,
    br: &Candidate,
) -> Option<(f64, f64)> {
    let v = |p: &Candidate, q: &Candidate| (q.x - p.x, q.y - p.y);
    let len = |(x, y): (f64, f64)| (x * x + y * y).sqrt();
    let (top, bottom, left, right) = (v(tl, tr), v(bl, br), v(tl, bl), v(tr, br));
    let (lt, lb, ll, lr) = (len(top), len(bottom), len(left), len(right));
    if lt < 1.0 || ll < 1.0 {
        return None;
    }
    let ppm = (lt + lb) / 2.0 / FIDUCIAL_SPAN_X;
    if !(MIN_PPM..=MAX_PPM).contains(&ppm) {
        return None;
    }
    // Paper taller than wide, top edge roughly horizontal (rotation up to a few degrees).
    if top.0 <= 0.0 || left.1 <= 0.0 || top.1.abs() > 0.1 * top.0 || left.0.abs() > 0.1 * left.1 {
        return None;
    }
    let e_sides = ((lt - lb).abs() / lt).max((ll - lr).abs() / ll);
    let cos = ((top.0 * left.0 + top.1 * left.1) / (lt * ll)).abs();
    let diag1 = len(v(tl, br));
    let diag2 = len(v(tr, bl));
    let e_diag = (diag1 - diag2).abs() / diag1;
    let height = ll / ppm + 2.0 * FIDUCIAL_INSET;
    // The spec's heights are 130 + 18 N; allow the scale tolerance either way.
    if !(130.0 + 18.0 * 0.5..=130.0 + 18.0 * 41.0).contains(&height) {
        return None;
    }
    let size_err = [tl, tr, bl, br]
        .iter()
        .map(|c| (c.side / ppm - FIDUCIAL_SIZE).abs() / FIDUCIAL_SIZE)
        .fold(0.0, f64::max);
    if e_sides > RECT_TOLERANCE
        || cos > RECT_TOLERANCE
        || e_diag > RECT_TOLERANCE
        || size_err > 0.35
    {
        return None;
    }
    Some((e_sides + cos + e_diag + 0.1 * size_err, ppm))
}

struct Refined {
    x: f64,
    y: f64,
    white: f64,
    black: f64,
    /// No grey in the core or the quiet zone.
    pure: bool,
}

/// Full-resolution centroid of one fiducial, with the print black inside it and the paper
/// white in its quiet zone.
fn refine(image: &GrayImage, c: &Candidate, ppm: f64, page_white: f64) -> Refined {
    let side = FIDUCIAL_SIZE * ppm;
    let half = 0.5 * side + 3.0 * ppm;
    let (w, h) = image.dimensions();
    let x0 = (c.x - half).floor().max(0.0) as u32;
    let y0 = (c.y - half).floor().max(0.0) as u32;
    let x1 = ((c.x + half).ceil() as u32).min(w - 1);
    let y1 = ((c.y + half).ceil() as u32).min(h - 1);
    // Quiet zone: 1.5 to 3 mm outside the square's edge (measured from the coarse centre).
    let ring_in = 0.5 * side + 1.5 * ppm;
    let core = 0.3 * side;
    let (mut ring_sum, mut ring_n) = (0.0, 0.0);
    let (mut core_sum, mut core_n) = (0.0, 0.0);
    let mut pure = true;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let p = image.get_pixel(x, y).0[0];
            let v = f64::from(p);
            let (dx, dy) = ((f64::from(x) - c.x).abs(), (f64::from(y) - c.y).abs());
            let m = dx.max(dy);
            if m >= ring_in {
                ring_sum += v;
                ring_n += 1.0;
            } else if m <= core {
                core_sum += v;
                core_n += 1.0;
            } else {
                continue;
            }
            pure &= p == 0 || p == 255;
        }
    }
    let white = if ring_n > 0.0 {
        ring_sum / ring_n
    } else {
        page_white
    };
    let black = if core_n > 0.0 { core_sum / core_n } else { 0.0 };
    let lo = black + 0.25 * (white - black);
    let hi = black + 0.75 * (white - black);
    let span = (hi - lo).max(1.0);
    let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
    let inner = 0.5 * side + 1.2 * ppm;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (fx, fy) = (f64::from(x), f64::from(y));
            if (fx - c.x).abs().max((fy - c.y).abs()) > inner {
                continue;
            }
            let v = f64::from(image.get_pixel(x, y).0[0]);
            let wgt = ((hi - v) / span).clamp(0.0, 1.0);
            sx += wgt * fx;
            sy += wgt * fy;
            sw += wgt;
        }
    }
    let (x, y) = if sw > 0.0 {
        (sx / sw, sy / sw)
    } else {
        (c.x, c.y)
    };
    Refined {
        x,
        y,
        white,
        black,
        pure,
    }
}

/// Every `stride`-th pixel of the page.
struct Sample {
    w: usize,
    h: usize,
    stride: u32,
    px: Vec<u8>,
}

impl Sample {
    fn new(image: &GrayImage, stride: u32) -> Self {
        let (iw, ih) = image.dimensions();
        let w = (iw / stride) as usize;
        let h = (ih / stride) as usize;
        let off = stride / 2;
        let raw = image.as_raw();
        let mut px = Vec::with_capacity(w * h);
        for j in 0..h {
            let row = ((j as u32 * stride + off) * iw) as usize;
            px.extend((0..w).map(|i| raw[row + (i as u32 * stride + off) as usize]));
        }
        Self { w, h, stride, px }
    }

    fn percentile(&self, p: f64) -> f64 {
        // Every third sample is plenty for a percentile of the whole page.
        let mut hist = [0usize; 256];
        let mut n = 0;
        for &v in self.px.iter().step_by(3) {
            hist[v as usize] += 1;
            n += 1;
        }
        let target = (p * n as f64) as usize;
        let mut acc = 0;
        for (v, &n) in hist.iter().enumerate() {
            acc += n;
            if acc > target {
                return v as f64;
            }
        }
        255.0
    }

    /// Solid dark square-ish components of plausible fiducial size that do not touch the
    /// image edge and stand in clear paper. With `spread`, a component's size is also taken
    /// from its spread (see below), so a speck or a hair against a fiducial does not hide it;
    /// only in the loose pass, since bold print with a serif or a neighbouring stroke would
    /// pass it too, and the strict set names a missing corner.
    fn square_blobs(&self, threshold: f64, min_fill: f64, spread: bool) -> Vec<Candidate> {
        let t = threshold as u8;
        let (w, h) = (self.w, self.h);
        let mut labels = vec![u32::MAX; w * h];
        let mut parent: Vec<u32> = Vec::new();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                parent[x as usize] = parent[parent[x as usize] as usize];
                x = parent[x as usize];
            }
            x
        }
        #[derive(Clone, Copy)]
        struct Stat {
            n: usize,
            x0: usize,
            y0: usize,
            x1: usize,
            y1: usize,
            sx: usize,
            sy: usize,
            sxx: usize,
            syy: usize,
        }
        impl Stat {
            fn pixel(i: usize, j: usize) -> Self {
                Stat {
                    n: 1,
                    x0: i,
                    y0: j,
                    x1: i,
                    y1: j,
                    sx: i,
                    sy: j,
                    sxx: i * i,
                    syy: j * j,
                }
            }
            fn merge(&mut self, o: &Stat) {
                self.n += o.n;
                self.x0 = self.x0.min(o.x0);
                self.x1 = self.x1.max(o.x1);
                self.y0 = self.y0.min(o.y0);
                self.y1 = self.y1.max(o.y1);
                self.sx += o.sx;
                self.sy += o.sy;
                self.sxx += o.sxx;
                self.syy += o.syy;
            }
            /// The side (samples) of the filled square with the same spread along x or y
            /// (a uniform run of L samples has variance (L² - 1) / 12). Unlike the bounding
            /// box, a speck of dust or a hair against the fiducial hardly moves it.
            fn spread(&self, sum: usize, squares: usize) -> f64 {
                let n = self.n as f64;
                let mean = sum as f64 / n;
                let var = (squares as f64 / n - mean * mean).max(0.0);
                (12.0 * var + 1.0).sqrt()
            }
        }
        // One pass: each dark sample joins its left or upper neighbour's label, and the
        // label's statistics grow as it goes; labels found to touch are merged afterwards.
        let mut stats: Vec<Stat> = Vec::new();
        for j in 0..h {
            for i in 0..w {
                let k = j * w + i;
                if self.px[k] >= t {
                    continue;
                }
                let left = if i > 0 { labels[k - 1] } else { u32::MAX };
                let up = if j > 0 { labels[k - w] } else { u32::MAX };
                let l = match (left != u32::MAX, up != u32::MAX) {
                    (false, false) => {
                        labels[k] = parent.len() as u32;
                        parent.push(labels[k]);
                        stats.push(Stat::pixel(i, j));
                        continue;
                    }
                    (true, false) => left,
                    (false, true) => up,
                    (true, true) => {
                        let (a, b) = (find(&mut parent, left), find(&mut parent, up));
                        if a != b {
                            parent[a.max(b) as usize] = a.min(b);
                        }
                        left
                    }
                };
                labels[k] = l;
                stats[l as usize].merge(&Stat::pixel(i, j));
            }
        }
        // A label's parent is always a smaller label: merging from the largest down folds
        // every label into its root.
        for l in (0..parent.len()).rev() {
            let p = parent[l] as usize;
            if p != l {
                let child = stats[l];
                stats[p].merge(&child);
            }
        }
        let stats = stats
            .into_iter()
            .zip(&parent)
            .enumerate()
            .filter_map(|(l, (s, &p))| (p as usize == l).then_some(s));
        let stride = f64::from(self.stride);
        let min_side = FIDUCIAL_SIZE * MIN_PPM * 0.65 / stride;
        let max_side = FIDUCIAL_SIZE * MAX_PPM * 1.35 / stride;
        // A blob's width and height: its bounding box, or the side of the filled square of
        // the same spread when smaller. A hollow outline spreads wider than its box.
        let size = |s: &Stat| {
            let (bw, bh) = ((s.x1 - s.x0 + 1) as f64, (s.y1 - s.y0 + 1) as f64);
            if spread {
                (bw.min(s.spread(s.sx, s.sxx)), bh.min(s.spread(s.sy, s.syy)))
            } else {
                (bw, bh)
            }
        };
        stats
            .filter(|s| {
                let (bw, bh) = size(s);
                let touches = s.x0 == 0 || s.y0 == 0 || s.x1 + 1 >= w || s.y1 + 1 >= h;
                let fill = s.n as f64 / (bw * bh);
                !touches
                    && bw >= min_side
                    && bh >= min_side
                    && bw <= max_side
                    && bh <= max_side
                    && (bw / bh - 1.0).abs() < 0.3
                    && fill > min_fill
            })
            .filter(|s| self.quiet_around(s.x0, s.y0, s.x1, s.y1, t))
            .map(|s| {
                let (bw, bh) = size(&s);
                let side = (bw + bh) / 2.0 * stride;
                let off = f64::from(self.stride / 2);
                Candidate {
                    x: s.sx as f64 / s.n as f64 * stride + off,
                    y: s.sy as f64 / s.n as f64 * stride + off,
                    side,
                }
            })
            .collect()
    }

    /// The band half a side wide around the blob is almost all paper: fiducials stand in a
    /// 6 mm quiet zone, voting boxes and strip cells do not.
    fn quiet_around(&self, x0: usize, y0: usize, x1: usize, y1: usize, t: u8) -> bool {
        let side = (x1 - x0 + 1).max(y1 - y0 + 1);
        let m = side / 2 + 1;
        let (bx0, by0) = (x0.saturating_sub(m), y0.saturating_sub(m));
        let (bx1, by1) = ((x1 + m).min(self.w - 1), (y1 + m).min(self.h - 1));
        let (mut dark, mut n) = (0usize, 0usize);
        for j in by0..=by1 {
            for i in bx0..=bx1 {
                let inside = i + 1 > x0 && i <= x1 + 1 && j + 1 > y0 && j <= y1 + 1;
                if inside {
                    continue;
                }
                n += 1;
                if self.px[j * self.w + i] < t {
                    dark += 1;
                }
            }
        }
        n > 0 && (dark as f64) < 0.04 * n as f64
    }
}
