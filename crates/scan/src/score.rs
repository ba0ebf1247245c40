//! Stage 4: measure ink in every voting box's mark zone and halo, and look for stray ink,
//! through the fitted transform. Only the pixels around the boxes and a sparse grid over the
//! unprinted parts of the paper are read.
//!
//! Darkness is measured against this image's own paper white (local to each box) and print
//! black (inside the fiducials), so a faint pencil on a dark scan and heavy ink on a light one
//! read alike. Thresholds are explained in docs/reading.md.

use crate::identify::Identified;
use crate::reading::{BoxClass, BoxReading, StrayInk, Transform};
use ecount_election::layout::{Rect, VotingBox, BOX_TOP_IN_ROW, ROW_HEIGHT, RULE_WIDTH};
use image::GrayImage;

/// A mark-zone pixel (2 x 2 mean) is ink when at least this far from paper white towards
/// print black, and above the scan's noise.
pub const ZONE_INK_DARKNESS: f64 = 0.10;
/// A halo pixel is ink when at least this far from paper white towards print black (and well
/// above the scan's noise).
pub const HALO_INK_DARKNESS: f64 = 0.15;
/// Mark-zone ink fraction below which a box is empty.
pub const EMPTY_BELOW: f32 = 0.0025;
/// Mark-zone ink fraction at or above which a box is marked.
pub const MARKED_FROM: f32 = 0.008;
/// Halo ink fraction beside an empty box that makes it doubtful.
pub const HALO_DOUBTFUL: f32 = 0.01;
/// Ink in the mark zone spanning less than this (mm) either way is a dot, not a clear mark.
pub const DOT_EXTENT_MM: f32 = 3.0;
/// Below this a mark is weak enough that ink outside the box puts its meaning in doubt.
pub const WEAK_MARK: f32 = 0.05;
/// Halo score, as a share of the zone score, from which a weak mark counts as spilling.
pub const SPILL_RATIO: f32 = 0.3;
/// Halo ink on the facing sides of two boxes of a column above which a mark straddles them.
pub const STRADDLE: f32 = 0.01;
/// Ink kept clear of the outline's outer edge before the halo starts, mm (registration slack).
const HALO_GAP: f64 = 0.4;
/// Stray-ink grid spacing, mm.
const STRAY_STEP: f64 = 0.6;
/// Stray-ink darkness (of a 2 x 2 mean, against the white interpolated between the fiducials).
const STRAY_DARKNESS: f64 = 0.15;
/// Ink area (mm²) in one cluster above which stray ink may be identifying writing.
pub const STRAY_MIN_AREA: f32 = 2.0;
/// Stray clusters must also span at least this much (mm): a speck of dust does not.
const STRAY_MIN_SPAN: f32 = 3.0;

/// A paper with every box measured.
pub struct Scored<'a, 'e> {
    pub identified: Identified<'a, 'e>,
    pub boxes: Vec<BoxReading>,
    pub stray_ink: Vec<StrayInk>,
    /// (row, column) of each box whose mark runs across the gap into the box below.
    pub straddles: Vec<(u16, u8)>,
}

pub fn score<'a, 'e>(identified: Identified<'a, 'e>) -> Scored<'a, 'e> {
    let reg = &identified.registered;
    let tf = identified.transform;
    let inv = Inverse::of(&tf);
    let layout = &identified.layout;
    let mut buf = BoxBuffers::default();
    let vboxes = layout.voting_boxes();
    let measures: Vec<Measure> = vboxes
        .iter()
        .map(|vb| measure_box(reg.image, &tf, &inv, vb, reg.black, &mut buf))
        .collect();
    let columns = layout.kind.columns();
    let straddles = (0..vboxes.len())
        .filter(|&i| i + columns < vboxes.len())
        .filter(|&i| measures[i].bottom >= STRADDLE && measures[i + columns].top >= STRADDLE)
        .map(|i| (vboxes[i].row as u16, vboxes[i].column as u8))
        .collect();
    let boxes: Vec<BoxReading> = vboxes
        .iter()
        .zip(&measures)
        .map(|(vb, m)| {
            let class = classify(m.zone, m.halo, m.extent);
            BoxReading {
                row: vb.row as u16,
                column: vb.column as u8,
                score: m.zone,
                halo: m.halo,
                class,
                quad: vb.outer.corners().map(|p| {
                    let (u, v) = tf.apply(p.x, p.y);
                    [u as f32, v as f32]
                }),
            }
        })
        .collect();
    let stray_ink = find_stray_ink(&identified, &boxes);
    Scored {
        identified,
        boxes,
        stray_ink,
        straddles,
    }
}

/// The class of a box from its two scores.
pub fn classify(zone: f32, halo: f32, extent: f32) -> BoxClass {
    // A weak mark with as much ink outside the box as in it may be meant for a neighbour.
    let spilling = zone < WEAK_MARK && halo >= SPILL_RATIO * zone;
    // A small dot (a resting pencil point?) is for a person to judge, however dark.
    let dot = extent < DOT_EXTENT_MM;
    if zone >= MARKED_FROM && !spilling && !dot {
        BoxClass::Marked
    } else if zone >= EMPTY_BELOW || halo >= HALO_DOUBTFUL {
        BoxClass::Doubtful
    } else {
        BoxClass::Empty
    }
}

struct Measure {
    zone: f32,
    halo: f32,
    /// Larger side (mm) of the box around the zone's ink: a dot is small, a stroke is not.
    extent: f32,
    /// Halo ink above and below the box only: a mark across the gap between two boxes of a
    /// column shows in the lower box's top and the upper box's bottom.
    top: f32,
    bottom: f32,
}

#[derive(Default)]
struct BoxBuffers {
    zone: Vec<u8>,
    /// Paper position (mm) of each zone sample.
    zone_at: Vec<(f32, f32)>,
    halo: Vec<u8>,
    side: Vec<Side>,
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Top,
    Bottom,
    Beside,
}

/// Image-to-paper map, the inverse of a [`Transform`].
struct Inverse {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    e: f64,
    f: f64,
}

impl Inverse {
    fn of(t: &Transform) -> Self {
        let det = t.a * t.e - t.b * t.d;
        let det = if det.abs() < 1e-12 { 1e-12 } else { det };
        let (a, b, d, e) = (t.e / det, -t.b / det, -t.d / det, t.a / det);
        Self {
            a,
            b,
            c: -(a * t.c + b * t.f),
            d,
            e,
            f: -(d * t.c + e * t.f),
        }
    }
}

fn image_bounds(tf: &Transform, r: &Rect, img: &GrayImage) -> (u32, u32, u32, u32) {
    let pts = r.corners().map(|p| tf.apply(p.x, p.y));
    let (w, h) = img.dimensions();
    let min_x = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let max_x = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let min_y = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let max_y = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let clamp = |v: f64, hi: u32| v.max(0.0).min(f64::from(hi.saturating_sub(1))) as u32;
    (
        clamp(min_x, w),
        clamp(min_y, h),
        clamp(max_x.ceil(), w),
        clamp(max_y.ceil(), h),
    )
}

fn measure_box(
    img: &GrayImage,
    tf: &Transform,
    inv: &Inverse,
    vb: &VotingBox,
    black: f64,
    buf: &mut BoxBuffers,
) -> Measure {
    let zone = vb.mark_zone();
    let halo = vb.halo();
    let halo_inner = vb.outer.inflate(HALO_GAP);
    let rule_clear = RULE_WIDTH / 2.0 + 0.5;
    // Only the two rules bounding the box's own row pass through its halo.
    let (r0, r1) = (
        vb.outer.y0 - BOX_TOP_IN_ROW,
        vb.outer.y0 - BOX_TOP_IN_ROW + ROW_HEIGHT,
    );
    let near_rule = |y: f64| (y - r0).abs() < rule_clear || (y - r1).abs() < rule_clear;
    buf.zone.clear();
    buf.zone_at.clear();
    buf.halo.clear();
    buf.side.clear();
    let width = img.width() as usize;
    let height = img.height();
    let raw = img.as_raw();
    // The mark zone at full resolution; the halo, 20 times the area, on every other pixel.
    for (rect, step, is_zone) in [(zone, 1u32, true), (halo, 2u32, false)] {
        let (x0, y0, x1, y1) = image_bounds(tf, &rect, img);
        for py in (y0..=y1).step_by(step as usize) {
            let fy = f64::from(py);
            // Paper coordinates of (x0, py), then step along the image row.
            let mut u = inv.a * f64::from(x0) + inv.b * fy + inv.c;
            let mut v = inv.d * f64::from(x0) + inv.e * fy + inv.f;
            let (du, dv) = (inv.a * f64::from(step), inv.d * f64::from(step));
            for px in (x0..=x1).step_by(step as usize) {
                if is_zone {
                    if zone.contains_xy(u, v) {
                        // 2 x 2 mean: halves the scan's pixel noise, keeps a 2-pixel stroke.
                        buf.zone.push(mean2x2(raw, width, height, px, py));
                        buf.zone_at.push((u as f32, v as f32));
                    }
                } else if halo.contains_xy(u, v) && !halo_inner.contains_xy(u, v) && !near_rule(v) {
                    buf.halo.push(mean2x2(raw, width, height, px, py));
                    let side = if v < vb.outer.y0 {
                        Side::Top
                    } else if v > vb.outer.y1 {
                        Side::Bottom
                    } else {
                        Side::Beside
                    };
                    buf.side.push(side);
                }
                u += du;
                v += dv;
            }
        }
    }
    // Paper white and its noise from the halo, which is mostly blank paper: the median is
    // unmoved by a mark spilling into part of it or by the odd speck.
    let mut hist = [0u32; 256];
    for &p in &buf.halo {
        hist[p as usize] += 1;
    }
    let white = if buf.halo.is_empty() {
        percentile_of(&buf.zone, &[], 0.9)
    } else {
        hist_quantile(&hist, buf.halo.len(), 0.5)
    };
    let span = (white - black).max(25.0);
    let noise = mad_sigma(&hist, buf.halo.len(), white);
    // Zone score: share of the zone inked beyond both a fixed darkness and this scan's noise
    // (the 2 x 2 mean halves the noise).
    let zone_cut = white - (ZONE_INK_DARKNESS * span).max(4.0 * noise);
    let (mut inked, mut lo, mut hi) = (0usize, (f32::MAX, f32::MAX), (f32::MIN, f32::MIN));
    for (&p, &(x, y)) in buf.zone.iter().zip(&buf.zone_at) {
        if f64::from(p) <= zone_cut {
            inked += 1;
            lo = (lo.0.min(x), lo.1.min(y));
            hi = (hi.0.max(x), hi.1.max(y));
        }
    }
    let zone_score = inked as f64 / buf.zone.len().max(1) as f64;
    let extent = if inked == 0 {
        0.0
    } else {
        (hi.0 - lo.0).max(hi.1 - lo.1)
    };
    // Halo score: share of clearly inked pixels, with the cut above this scan's noise.
    let cut = white - (HALO_INK_DARKNESS * span).max(4.0 * noise);
    let halo_score = if buf.halo.is_empty() {
        0.0
    } else {
        buf.halo.iter().filter(|&&p| f64::from(p) <= cut).count() as f64 / buf.halo.len() as f64
    };
    let side_score = |want: Side| {
        let (mut ink, mut n) = (0usize, 0usize);
        for (&p, &side) in buf.halo.iter().zip(&buf.side) {
            if side == want {
                n += 1;
                ink += usize::from(f64::from(p) <= cut);
            }
        }
        if n == 0 {
            0.0
        } else {
            ink as f32 / n as f32
        }
    };
    Measure {
        zone: zone_score as f32,
        halo: halo_score as f32,
        extent,
        top: side_score(Side::Top),
        bottom: side_score(Side::Bottom),
    }
}

/// Robust noise estimate (median absolute deviation, scaled to a standard deviation) of the
/// samples in `hist` around `centre`.
fn mad_sigma(hist: &[u32; 256], n: usize, centre: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let mut dev = [0u32; 256];
    for (v, &count) in hist.iter().enumerate() {
        dev[(v as f64 - centre).abs().min(255.0) as usize] += count;
    }
    1.4826 * hist_quantile(&dev, n, 0.5)
}

/// The value below which a share `q` of the `n` samples in `hist` lie.
fn hist_quantile(hist: &[u32; 256], n: usize, q: f64) -> f64 {
    let target = (q * n as f64) as u64;
    let mut acc = 0u64;
    for (v, &count) in hist.iter().enumerate() {
        acc += u64::from(count);
        if acc > target {
            return v as f64;
        }
    }
    255.0
}

/// Mean of the 2 x 2 block at (x, y): halves a scan's pixel noise, keeps a two-pixel stroke.
#[inline]
fn mean2x2(raw: &[u8], width: usize, height: u32, x: u32, y: u32) -> u8 {
    let row = y as usize * width;
    let below = if y + 1 < height { row + width } else { row };
    let k = x as usize;
    let right = usize::from(k + 1 < width);
    let sum = u16::from(raw[row + k])
        + u16::from(raw[row + k + right])
        + u16::from(raw[below + k])
        + u16::from(raw[below + k + right]);
    (sum / 4) as u8
}

fn percentile_of(a: &[u8], b: &[u8], p: f64) -> f64 {
    let mut hist = [0usize; 256];
    for &v in a.iter().chain(b) {
        hist[v as usize] += 1;
    }
    let total = a.len() + b.len();
    let target = (p * total as f64) as usize;
    let mut acc = 0;
    for (v, &n) in hist.iter().enumerate() {
        acc += n;
        if acc > target {
            return v as f64;
        }
    }
    255.0
}

trait ContainsXy {
    fn contains_xy(&self, x: f64, y: f64) -> bool;
}

impl ContainsXy for Rect {
    #[inline]
    fn contains_xy(&self, x: f64, y: f64) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }
}

/// Ink on a sparse grid over the parts of the paper where nothing is printed and no box's halo
/// reaches, clustered; clusters big enough to be writing are reported.
fn find_stray_ink(id: &Identified, boxes: &[BoxReading]) -> Vec<StrayInk> {
    let layout = &id.layout;
    let reg = &id.registered;
    let tf = &id.transform;
    let (iw, ih) = reg.image.dimensions();
    let mut printed: Vec<Rect> = Vec::new();
    printed.extend(layout.fiducials().iter().map(|r| r.inflate(1.5)));
    printed.push(layout.strip_area().inflate(1.5));
    printed.push(layout.header_zone().inflate(1.0));
    printed.push(layout.column_heading_zone().inflate(0.5));
    printed.extend((0..layout.options).map(|k| layout.row_text(k)));
    // Boxes whose own mark may spill further than the halo: widen their clear zone.
    for (vb, b) in layout.voting_boxes().iter().zip(boxes) {
        let spill = if b.class == BoxClass::Empty { 0.0 } else { 4.0 };
        printed.push(vb.halo().inflate(spill));
    }
    let rule_pad = RULE_WIDTH / 2.0 + 0.6;
    let rules: Vec<Rect> = layout
        .rules()
        .iter()
        .map(|r| {
            Rect::new(
                r.from.x.min(r.to.x),
                r.from.y.min(r.to.y),
                r.from.x.max(r.to.x),
                r.from.y.max(r.to.y),
            )
            .inflate(rule_pad)
        })
        .collect();
    // Stay clear of the paper's edge, where scanners leave shadows.
    let margin = 4.0;
    let nx = ((layout.width - 2.0 * margin) / STRAY_STEP) as usize;
    let ny = ((layout.height - 2.0 * margin) / STRAY_STEP) as usize;
    let mut ink = vec![false; nx * ny];
    let raw = reg.image.as_raw();

    let mut blocked: Vec<(f64, f64)> = Vec::new();
    for j in 0..ny {
        let y = margin + STRAY_STEP * j as f64;
        // Paper white along this row, linear between its ends (the white field is bilinear).
        let (ua, va) = tf.apply(margin, y);
        let (ub, vb) = tf.apply(margin + STRAY_STEP * nx as f64, y);
        let (wa, wb) = (reg.white_at(ua, va), reg.white_at(ub, vb));
        blocked.clear();
        blocked.extend(
            printed
                .iter()
                .chain(&rules)
                .filter(|r| y >= r.y0 && y <= r.y1)
                .map(|r| (r.x0, r.x1)),
        );
        blocked.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut i = 0;
        let mut next_block = 0;
        while i < nx {
            let x = margin + STRAY_STEP * i as f64;
            // Skip over any blocked interval covering x.
            while next_block < blocked.len() && blocked[next_block].1 < x {
                next_block += 1;
            }
            if let Some(&(b0, b1)) = blocked.get(next_block) {
                if x >= b0 {
                    let _ = b0;
                    i = (((b1 - margin) / STRAY_STEP).floor() as usize + 1).max(i + 1);
                    continue;
                }
            }
            let (u, v) = tf.apply(x, y);
            if u >= 0.0 && v >= 0.0 && u < f64::from(iw) && v < f64::from(ih) {
                let p = f64::from(mean2x2(raw, iw as usize, ih, u as u32, v as u32));
                let white = wa + (wb - wa) * i as f64 / nx as f64;
                if (white - p) / (white - reg.black).max(25.0) >= STRAY_DARKNESS {
                    ink[j * nx + i] = true;
                }
            }
            i += 1;
        }
    }
    clusters(&ink, nx, ny)
        .into_iter()
        .filter_map(|(n, i0, j0, i1, j1)| {
            let area = n as f32 * (STRAY_STEP * STRAY_STEP) as f32;
            let w = (i1 - i0 + 1) as f32 * STRAY_STEP as f32;
            let h = (j1 - j0 + 1) as f32 * STRAY_STEP as f32;
            (area >= STRAY_MIN_AREA && w.max(h) >= STRAY_MIN_SPAN).then_some(StrayInk {
                paper_mm: [
                    (margin + STRAY_STEP * i0 as f64) as f32,
                    (margin + STRAY_STEP * j0 as f64) as f32,
                    (margin + STRAY_STEP * i1 as f64) as f32,
                    (margin + STRAY_STEP * j1 as f64) as f32,
                ],
                area_mm2: area,
            })
        })
        .collect()
}

/// Connected clusters on the grid, joining cells up to two apart (pen strokes are thin and
/// the grid may step over part of them). Returns (cells, i0, j0, i1, j1).
fn clusters(ink: &[bool], nx: usize, ny: usize) -> Vec<(usize, usize, usize, usize, usize)> {
    let mut seen = vec![false; ink.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..ink.len() {
        if !ink[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut n, mut i0, mut j0, mut i1, mut j1) = (0, usize::MAX, usize::MAX, 0, 0);
        while let Some(k) = stack.pop() {
            let (i, j) = (k % nx, k / nx);
            n += 1;
            i0 = i0.min(i);
            j0 = j0.min(j);
            i1 = i1.max(i);
            j1 = j1.max(j);
            for dj in -2i64..=2 {
                for di in -2i64..=2 {
                    let (ni, nj) = (i as i64 + di, j as i64 + dj);
                    if ni < 0 || nj < 0 || ni >= nx as i64 || nj >= ny as i64 {
                        continue;
                    }
                    let nk = nj as usize * nx + ni as usize;
                    if ink[nk] && !seen[nk] {
                        seen[nk] = true;
                        stack.push(nk);
                    }
                }
            }
        }
        out.push((n, i0, j0, i1, j1));
    }
    out
}
