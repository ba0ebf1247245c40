//! Stage 4a, only for a paper in doubt or with a mark as light as a crease ([`suspected`]):
//! the crease of a fold. Voters fold the paper to put it in the ballot box, and the crease
//! shows in the scan as a faint straight line across the whole page. Through a row of boxes
//! it reads as faint pencil in each (on a blank paper of one column, as a vote), and across
//! the text as writing, so a clean paper would go to a person.
//!
//! A crease is found where nothing is printed: in both side margins, as a thin faint line
//! at about the same height, or for a fold down the page's length in the bands above the
//! header and between the table and the strip ([`find`]). The paper is then read again from
//! a copy of the image with the crease's darkening taken back along the line joining them,
//! measured block by block against the paper beside it ([`repair`]): ink and print crossing
//! it keep their shape.

use crate::identify::Identified;
use crate::reading::{BoxClass, BoxReading, Reading};
use crate::register::Registered;
use ecount_election::layout::{
    FIDUCIAL_INSET, FIDUCIAL_QUIET, FIDUCIAL_SIZE, ROW_HEIGHT, ROW_TOP, WIDTH,
};
use image::GrayImage;

/// The side margins searched (paper x, mm): clear of the scanner's edge shadow (4 mm) and
/// of the table's outer rules (16 and 194 mm) by 1.5 mm.
const MARGINS: [(f64, f64); 2] = [(4.0, 14.5), (195.5, WIDTH - 4.0)];
/// The band of bare paper above the header searched for a crease down the page (paper y,
/// mm): clear of the scanner's edge shadow (4 mm) and of the header (from 22 mm). The band
/// between the table and the strip is kept `BAND_CLEAR` from both.
const TOP_BAND: (f64, f64) = (4.0, 20.5);
const BAND_CLEAR: f64 = 1.5;
/// A crease darkens the margin's mean by at least this share of the paper-to-print span, and
/// by at least 5 times the profile's noise: a crease of 10 grey levels, blurred, still puts
/// a box in doubt through the faint-line search (`FAINT_DARKNESS`, 0.05 of the span on a
/// 2 x 2 mean)...
const CREASE_MIN: f64 = 0.03;
/// ...and by no more than this: a line darker than that is ink or print, and stays.
const CREASE_MAX: f64 = 0.3;
/// A paper with a marked box no darker than this (of the span) is searched for a crease even
/// when nothing on it is in doubt: a crease alone across a box's zone is a long faint stroke,
/// and on a blank paper of one column nothing else puts it in doubt. Creased boxes read as
/// marks measured 0.11-0.14; searching every paper with a mark up to `CREASE_MAX` (0.3) cost
/// about 1.5 ms a paper on the realistic 200-dpi JPEG bench, where many pencil marks are
/// that light.
const CREASE_LIGHT: f64 = 0.2;
/// On a bilevel scan every mark is black, so lightness says nothing: there a paper with a
/// marked box whose zone holds less ink than this is searched (`WEAK_MARK`). The specks a
/// crease 28 grey levels deep left across a blank box measured 0.023 painted at 300 dpi,
/// with nothing else on the paper in doubt; deeper creases become a solid line across the
/// names too, which is flagged as writing. Searching up to 0.1 cost 76 of 200 papers of the
/// realistic 200-dpi G4 bench a search (0.24 ms a paper on average), up to 0.05 32 (0.11 ms).
const CREASE_SPARSE_BILEVEL: f32 = 0.05;
/// On a bilevel scan the margin's mean measures how many of a row's pixels the threshold
/// turned black: a crease leaves specks, up to about half of its core row; a pen line is
/// solid.
const CREASE_MAX_BILEVEL: f64 = 0.6;
/// Widest crease (mm, at half its depth): a crease is a thin line, a shadow is not.
const CREASE_MAX_MM: f64 = 2.0;
/// The paper either side of a line is measured from this far (mm) to twice as far.
const FLANK_MM: f64 = 1.5;
/// A crease may cross the page at a slant: the two side margins' lines may differ in height
/// by this much (mm), about 3° over the 191.5 mm between their centres. A crease down the
/// page may slant as much: its bands' lines may differ by the same share of the distance
/// between the bands.
const SLANT_MM: f64 = 10.0;
const SLANT_OVER_MM: f64 = 191.5;
/// Each half of a margin must show the line within this (mm) of where the other, or the
/// whole margin, sees it.
const HALVES_MM: f64 = 1.0;
/// The two margins' depths may differ by this factor (a crease is not pressed evenly). Not
/// asked on a bilevel scan, where a margin's depth is the share of the crease's pixels the
/// threshold turned black, which the paper's uneven lighting moves far more than the fold
/// does (hard 200-dpi G4, seed 7, paper 104: 0.29 of the row on the left, 0.095 on the right,
/// one crease 44 grey levels deep; the line across the names was flagged as writing and the
/// clear vote proposed void). There the specks along the whole line decide.
const DEPTH_RATIO: f64 = 3.0;
/// Beyond its half-depth width, a crease's darkening is measured and taken back this far (mm)
/// either side: blur's tails, and the error of a centre drawn from the margins.
const REACH_MM: f64 = 0.6;
/// On a bilevel scan, a crease's band is cleared of specks only when they lie along at least
/// this share of its lengths of `SEGMENT_MM` (mm).
const SPECKLED: f64 = 0.5;
const SEGMENT_MM: f64 = 10.0;
/// Columns measured together when taking a crease's darkening back (mm): few enough that the
/// crease's height barely changes across them, enough that the median of each row is the
/// paper's, not a stroke's crossing it.
const BLOCK_MM: f64 = 2.0;

/// A crease: its centre's image point in each margin (`from` the left or top, `to` the
/// right or bottom), its depth there (grey levels), how far (image pixels) its darkening
/// reaches either side of its centre, whether it runs down the page, and whether the page
/// is bilevel (the crease is then specks, cleared rather than lightened).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crease {
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub depth: (f64, f64),
    pub reach: f64,
    pub down: bool,
    pub bilevel: bool,
}

/// A thin faint line in one margin's profile: where along the margin (paper mm) its centre
/// lies, depth (grey levels) and width (mm) at half depth.
#[derive(Debug, Clone, Copy)]
struct Line {
    at: f64,
    depth: f64,
    width: f64,
}

/// Whether a paper's `reading` could owe something to a crease, and the search is worth
/// its cost: a paper that needs a person, or with a marked box light enough (on a bilevel
/// scan, sparse enough) to be a crease's line. On any other a crease changed nothing.
pub fn suspected(reading: &Reading, reg: &Registered) -> bool {
    let bilevel = reg.bilevel;
    let faint = |b: &BoxReading| {
        b.class == BoxClass::Marked
            && (f64::from(b.darkness) <= CREASE_LIGHT
                || (bilevel && b.score < CREASE_SPARSE_BILEVEL))
    };
    reading.needs_adjudication() || reading.boxes.iter().any(faint)
}

/// The creases of the paper: a thin faint line across each side margin, the two at about the
/// same height and depth; and likewise down the page, across the bands of bare paper above
/// the header and between the table and the strip.
pub fn find(id: &Identified) -> Vec<Crease> {
    // Between the fiducials' quiet zones: top and bottom, or left and right.
    let clear = FIDUCIAL_INSET + FIDUCIAL_SIZE / 2.0 + FIDUCIAL_QUIET;
    let mut creases = find_across(id, MARGINS, (clear, id.layout.height - clear), false);
    let bands = [
        (TOP_BAND.0, TOP_BAND.1),
        (
            ROW_TOP + ROW_HEIGHT * id.layout.options as f64 + BAND_CLEAR,
            id.layout.strip_area().y0 - BAND_CLEAR,
        ),
    ];
    creases.extend(find_across(id, bands, (clear, WIDTH - clear), true));
    creases
}

/// The creases crossing both `margins` (paper ranges across them: x for side margins, y for
/// bands across the page, `down`), found along `along` (paper y, or x).
fn find_across(
    id: &Identified,
    margins: [(f64, f64); 2],
    along: (f64, f64),
    down: bool,
) -> Vec<Crease> {
    let reg = &id.registered;
    let tf = id.transform;
    let ppm = reg.ppm.max(1.0);
    let ys = along;
    let span = (reg.white.iter().sum::<f64>() / 4.0 - reg.black).max(25.0);
    // Each margin in two halves, and a line must cross both at one place: a speck of dust
    // darkens one half's mean as much as a crease, but not the other's.
    let sampled =
        margins.map(|(x0, x1)| profiles(reg, &tf, (x0, (x0 + x1) / 2.0, x1), ys, ppm, down));
    // On a bilevel scan the threshold leaves a crease as sparse black specks, often in one
    // half only: there either half will do, and the specks along the whole line decide
    // (see `clear_specks`). The page is bilevel when its fiducials are black and white and
    // no pixel sampled in its margins is grey (a grey scan whose white saturates has grey
    // in its crease and its noise).
    let bilevel = reg.bilevel && sampled.iter().all(|(_, grey)| !grey);
    let most = span
        * if bilevel {
            CREASE_MAX_BILEVEL
        } else {
            CREASE_MAX
        };
    let across = |(halves, _): &([Vec<Option<f64>>; 2], bool)| -> Vec<Line> {
        let [outer, inner] = [0, 1].map(|i| dips(&halves[i], ppm));
        let (Some(outer), Some(inner)) = (outer, inner) else {
            return Vec::new();
        };
        if bilevel {
            let [outer, inner] = [&outer, &inner].map(|d| lines(d, ys.0, (span, most), ppm));
            let alone = inner
                .iter()
                .filter(|(b, _)| outer.iter().all(|(a, _)| (a.at - b.at).abs() > HALVES_MM));
            return outer.iter().chain(alone).map(|(l, _)| *l).collect();
        }
        // On a grey scan the line is looked for in the whole margin's mean, whose noise is
        // a half's over the square root of two (a crease 8 grey levels deep at 150 dpi lies
        // within 5 times a half's noise), and each half must then show at least half its
        // depth within `HALVES_MM`: a speck in one half halves the whole's dip and leaves
        // the other half's flat.
        let whole: Vec<Option<f64>> = halves[0]
            .iter()
            .zip(&halves[1])
            .map(|(&a, &b)| Some((a? + b?) / 2.0))
            .collect();
        let Some(whole) = dips(&whole, ppm) else {
            return Vec::new();
        };
        let near = (HALVES_MM * ppm).round() as usize;
        let shows = |half: &[f64], k: usize, depth: f64| {
            half[k.saturating_sub(near)..(k + near + 1).min(half.len())]
                .iter()
                .any(|&d| d >= depth / 2.0)
        };
        lines(&whole, ys.0, (span, most), ppm)
            .into_iter()
            .filter(|(l, k)| shows(&outer.0, *k, l.depth) && shows(&inner.0, *k, l.depth))
            .map(|(l, _)| l)
            .collect()
    };
    let [left, right] = [&sampled[0], &sampled[1]].map(across);
    let mid = |(a, b): (f64, f64)| (a + b) / 2.0;
    let slant = SLANT_MM * (mid(margins[1]) - mid(margins[0])) / SLANT_OVER_MM;
    let mut creases = Vec::new();
    for l in &left {
        let partner = right
            .iter()
            .filter(|r| (r.at - l.at).abs() <= slant)
            .filter(|r| bilevel || r.depth.max(l.depth) <= DEPTH_RATIO * r.depth.min(l.depth))
            .min_by(|a, b| (a.at - l.at).abs().total_cmp(&(b.at - l.at).abs()));
        if let Some(r) = partner {
            let centre = |(x0, x1): (f64, f64), at: f64| {
                let mid = (x0 + x1) / 2.0;
                if down {
                    tf.apply(at, mid)
                } else {
                    tf.apply(mid, at)
                }
            };
            creases.push(Crease {
                from: centre(margins[0], l.at),
                to: centre(margins[1], r.at),
                depth: (l.depth, r.depth),
                // Its half-depth width, blur's tails and the centres' error.
                reach: (l.width.max(r.width) / 2.0 + REACH_MM) * ppm,
                down,
                bilevel,
            });
        }
    }
    creases
}

/// The mean grey of each half of one margin (paper x from `xs.0` to `xs.1`, and from `xs.1`
/// to `xs.2`) at each image row's worth of paper height from `ys.0` to `ys.1`; None off the
/// image. Both halves in one pass, a row at a time: the rows are far apart in memory, and
/// each is fetched once. Also whether any pixel sampled was grey (neither 0 nor 254-255).
/// `down`: the margin is a band across the page, and x and y swap roles (`xs` are heights
/// across the band, `ys` the positions along it; each mean then walks down a column).
fn profiles(
    reg: &Registered,
    tf: &crate::reading::Transform,
    xs: (f64, f64, f64),
    ys: (f64, f64),
    ppm: f64,
    down: bool,
) -> ([Vec<Option<f64>>; 2], bool) {
    let img = reg.image;
    let (w, h) = (img.width() as f64, img.height() as f64);
    let step = 1.0 / ppm;
    let n = ((ys.1 - ys.0) / step).max(0.0) as usize;
    // Every other pixel across the margin: plenty to average the noise away.
    let count = |a: f64, b: f64| ((b - a) / (2.0 * step)).max(1.0) as usize;
    let halves = [(xs.0, count(xs.0, xs.1)), (xs.1, count(xs.1, xs.2))];
    let (raw, width) = (img.as_raw(), img.width() as usize);
    // The transform is affine: each sample is the last one moved by a fixed step, and a
    // half lies on the image when both its ends do.
    let (du, dv) = if down {
        (tf.b * 2.0 * step, tf.e * 2.0 * step)
    } else {
        (tf.a * 2.0 * step, tf.d * 2.0 * step)
    };
    let paper = |across: f64, along: f64| {
        if down {
            tf.apply(along, across)
        } else {
            tf.apply(across, along)
        }
    };
    let on = |(u, v): (f64, f64)| u >= 0.0 && v >= 0.0 && u < w && v < h;
    let mut out = [Vec::with_capacity(n), Vec::with_capacity(n)];
    let mut grey = false;
    for k in 0..n {
        let y = ys.0 + step * k as f64;
        for (&(x0, across), profile) in halves.iter().zip(out.iter_mut()) {
            let (mut u, mut v) = paper(x0, y);
            let last = (u + du * (across - 1) as f64, v + dv * (across - 1) as f64);
            if !on((u, v)) || !on(last) {
                profile.push(None);
                continue;
            }
            let mut sum = 0u32;
            for _ in 0..across {
                // Clamped: the steps' rounding may carry the last sample onto the edge.
                let (x, y) = (
                    (u as usize).min(width - 1),
                    (v as usize).min(img.height() as usize - 1),
                );
                let p = raw[y * width + x];
                grey |= (1..254).contains(&p);
                sum += u32::from(p);
                u += du;
                v += dv;
            }
            profile.push(Some(f64::from(sum) / across as f64));
        }
    }
    (out, grey)
}

/// How far each row of a margin's `profile` lies below the paper either side of it (the
/// darker side's mean from [`FLANK_MM`] to twice as far: the brighter side's paper would
/// flatter a line at a shadow's edge), and the profile's noise, from differences between
/// neighbouring rows (a shadow's slow gradient does not swell it). None without two rows.
fn dips(profile: &[Option<f64>], ppm: f64) -> Option<(Vec<f64>, f64)> {
    let n = profile.len();
    let mut diffs: Vec<f64> = profile
        .windows(2)
        .filter_map(|p| Some((p[1]? - p[0]?).abs()))
        .collect();
    if diffs.is_empty() {
        return None;
    }
    diffs.sort_by(f64::total_cmp);
    let noise = 1.4826 * diffs[diffs.len() / 2] / std::f64::consts::SQRT_2;
    let (f0, f1) = (
        (FLANK_MM * ppm).round() as usize,
        (2.0 * FLANK_MM * ppm).round() as usize,
    );
    // Running sums of the profile and of the rows off the image, so each flank's mean costs
    // two lookups.
    let mut sums = vec![(0.0, 0usize); n + 1];
    for (k, p) in profile.iter().enumerate() {
        let (s, off) = sums[k];
        sums[k + 1] = (s + p.unwrap_or(0.0), off + usize::from(p.is_none()));
    }
    let flank = |a: usize, b: usize| -> Option<f64> {
        (b > a && b <= n && sums[b].1 == sums[a].1)
            .then(|| (sums[b].0 - sums[a].0) / (b - a) as f64)
    };
    let dip = (0..n)
        .map(|k| {
            let (Some(p), Some(above), Some(below)) = (
                profile[k],
                k.checked_sub(f1).and_then(|a| flank(a, k + 1 - f0)),
                flank(k + f0, k + f1 + 1),
            ) else {
                return 0.0;
            };
            above.min(below) - p
        })
        .collect();
    Some((dip, noise))
}

/// Thin faint lines in a margin's `dip`s (with its `noise`; its first row at paper height
/// `y0`, or paper x for a band across the page): at least `CREASE_MIN` of the paper-to-print
/// `span` and 5 times the noise deep, no deeper than `most` grey levels, and at most
/// `CREASE_MAX_MM` wide at half depth. Each with its peak's row.
fn lines(
    (dip, noise): &(Vec<f64>, f64),
    y0: f64,
    (span, most): (f64, f64),
    ppm: f64,
) -> Vec<(Line, usize)> {
    let step = 1.0 / ppm;
    let n = dip.len();
    let least = (CREASE_MIN * span).max(5.0 * noise);
    let mut out = Vec::new();
    let mut k = 0;
    while k < n {
        if dip[k] < least {
            k += 1;
            continue;
        }
        let start = k;
        while k < n && dip[k] >= least {
            k += 1;
        }
        let (peak, depth) = (start..k)
            .map(|i| (i, dip[i]))
            .fold((start, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
        // Its width at half its depth, and no darker than a crease anywhere.
        let half = |i: &usize| dip[*i] >= depth / 2.0;
        let top = (0..=peak).rev().take_while(half).last().unwrap_or(peak);
        let bottom = (peak..n).take_while(half).last().unwrap_or(peak);
        let width = (bottom - top + 1) as f64 * step;
        if width > CREASE_MAX_MM || depth > most {
            continue;
        }
        let line = Line {
            at: y0 + step * peak as f64,
            depth,
            width,
        };
        out.push((line, peak));
    }
    out
}

/// A copy of `image` with each crease's darkening taken back. Column by column in blocks of
/// [`BLOCK_MM`], the band of the line joining the crease's two margin centres is measured row
/// by row against the paper just outside it, on its lighter side (each row's median over the
/// block, so that a stroke or a letter crossing the crease does not count), and each row of
/// the block is lightened by as much as it lies below that paper, never by more than the
/// crease can darken (1.5 times its depth, interpolated between the margins). Ink and print
/// crossing the crease keep their shape. For a crease down the page, rows and columns swap.
pub fn repair(image: &GrayImage, creases: &[Crease], ppm: f64) -> GrayImage {
    repair_in(image, creases, ppm, Vec::new())
}

/// [`repair`], with the copy made in `buffer`: a buffer kept from one paper to the next
/// saves the page faults of a fresh page-sized allocation, which cost more than the copy.
pub fn repair_in(
    image: &GrayImage,
    creases: &[Crease],
    ppm: f64,
    mut buffer: Vec<u8>,
) -> GrayImage {
    buffer.clear();
    buffer.extend_from_slice(image.as_raw());
    let Some(mut out) = GrayImage::from_raw(image.width(), image.height(), buffer) else {
        return image.clone();
    };
    let raw = image.as_raw();
    let block = ((BLOCK_MM * ppm).round() as usize).max(4);
    let mut column: Vec<u8> = Vec::with_capacity(block);
    for c in creases {
        // Worked along the crease (`a`: image x, or y for a crease down the page) and
        // across it (`c`).
        let axes = Axes::new(image, c.down);
        let (from, to) = (axes.flip(c.from), axes.flip(c.to));
        let (da, dc) = (to.0 - from.0, to.1 - from.1);
        let reach = c.reach.ceil() as i64;
        if da.abs() < 1.0 || reach < 1 {
            continue;
        }
        let slope = dc / da;
        let cc = |a: usize| (from.1 + slope * (a as f64 - from.0)).round() as i64;
        if c.bilevel {
            clear_specks(&mut out, &axes, reach, &cc, ppm);
            continue;
        }
        let (len, across) = (axes.along, axes.across as i64);
        for a0 in (0..len).step_by(block) {
            let a1 = (a0 + block).min(len);
            let am = (a0 + a1) as f64 / 2.0;
            let t = ((am - from.0) / da).clamp(0.0, 1.0);
            let most = 1.5 * (c.depth.0 * (1.0 - t) + c.depth.1 * t);
            // The block is read along the line (`cc`, its place across at each step), so a
            // crease sloping across it is measured and taken back where it lies at each step.
            let median = |off: i64, col: &mut Vec<u8>| -> Option<f64> {
                col.clear();
                for a in a0..a1 {
                    let c = cc(a) + off;
                    if c < 0 || c >= across {
                        return None;
                    }
                    col.push(raw[axes.index(a, c as usize)]);
                }
                col.sort_unstable();
                Some(f64::from(col[col.len() / 2]))
            };
            let (Some(before), Some(after)) = (
                median(-reach - 1, &mut column),
                median(reach + 1, &mut column),
            ) else {
                continue;
            };
            for off in -reach..=reach {
                let Some(m) = median(off, &mut column) else {
                    continue;
                };
                // The paper is the lighter side's: print or ink on one side of the band (a
                // box's outline along the crease, or its blur) darkens that side, while the
                // paper's own shading changes by a grey level or two across the band.
                let paper = before.max(after);
                let d = (paper - m).clamp(0.0, most);
                if d < 0.5 {
                    continue;
                }
                for a in a0..a1 {
                    let p = &mut out.as_mut()[axes.index(a, (cc(a) + off) as usize)];
                    *p = (f64::from(*p) + d).round().min(255.0) as u8;
                }
            }
        }
    }
    out
}

/// A page seen along a crease and across it: for a crease across the page, along is image
/// x and across is y; for one down the page, the other way round.
struct Axes {
    down: bool,
    width: usize,
    /// Pixels along the crease, and across it.
    along: usize,
    across: usize,
}

impl Axes {
    fn new(image: &GrayImage, down: bool) -> Self {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let (along, across) = if down { (h, w) } else { (w, h) };
        Axes {
            down,
            width: w,
            along,
            across,
        }
    }

    /// An image point (x, y) as (along, across).
    fn flip(&self, (x, y): (f64, f64)) -> (f64, f64) {
        if self.down {
            (y, x)
        } else {
            (x, y)
        }
    }

    /// The raw index of the pixel `a` along and `c` across.
    fn index(&self, a: usize, c: usize) -> usize {
        if self.down {
            a * self.width + c
        } else {
            c * self.width + a
        }
    }
}

/// On a bilevel scan, clears each black speck lying wholly inside the crease's band: what the
/// threshold left of the crease. Ink and print crossing the crease run on outside the band
/// (a stroke, a box's outline, a letter), so any black piece reaching past it stays whole.
/// Only when such specks lie along at least [`SPECKLED`] of the band's [`SEGMENT_MM`]
/// lengths: two specks of dust at one height in the two margins make no crease, and their
/// band is left alone.
fn clear_specks(out: &mut GrayImage, axes: &Axes, reach: i64, cc: &dyn Fn(usize) -> i64, ppm: f64) {
    let (len, across) = (axes.along, axes.across as i64);
    let rows = (2 * reach + 1) as usize;
    let at = |a: usize, c: i64| c - (cc(a) - reach);
    let inside =
        |a: usize, c: i64| (0..rows as i64).contains(&at(a, c)) && (0..across).contains(&c);
    let black = |out: &GrayImage, a: usize, c: i64| out.as_raw()[axes.index(a, c as usize)] == 0;
    let mut seen = vec![false; len * rows];
    let mut piece: Vec<(usize, i64)> = Vec::new();
    let mut specks: Vec<(usize, i64)> = Vec::new();
    let mut todo: Vec<(usize, i64)> = Vec::new();
    for a in 0..len {
        for c in cc(a) - reach..=cc(a) + reach {
            if !inside(a, c) || seen[a * rows + at(a, c) as usize] {
                continue;
            }
            if !black(out, a, c) {
                continue;
            }
            // The black piece through (a, c), and whether it reaches past the band.
            piece.clear();
            todo.push((a, c));
            seen[a * rows + at(a, c) as usize] = true;
            let mut beyond = false;
            while let Some((pa, pc)) = todo.pop() {
                piece.push((pa, pc));
                for (na, nc) in [
                    (pa.wrapping_sub(1), pc),
                    (pa + 1, pc),
                    (pa, pc - 1),
                    (pa, pc + 1),
                    (pa.wrapping_sub(1), pc - 1),
                    (pa + 1, pc - 1),
                    (pa.wrapping_sub(1), pc + 1),
                    (pa + 1, pc + 1),
                ] {
                    if na >= len || nc < 0 || nc >= across {
                        continue;
                    }
                    if !black(out, na, nc) {
                        continue;
                    }
                    if !inside(na, nc) {
                        beyond = true;
                        continue;
                    }
                    let k = na * rows + at(na, nc) as usize;
                    if !seen[k] {
                        seen[k] = true;
                        todo.push((na, nc));
                    }
                }
            }
            if !beyond {
                specks.extend_from_slice(&piece);
            }
        }
    }
    let segment = (SEGMENT_MM * ppm).max(1.0) as usize;
    let segments = len.div_ceil(segment);
    let mut speckled = vec![false; segments];
    for &(a, _) in &specks {
        speckled[a / segment] = true;
    }
    let share = speckled.iter().filter(|&&s| s).count() as f64 / segments as f64;
    if share >= SPECKLED {
        let raw: &mut [u8] = out.as_mut();
        for &(a, c) in &specks {
            raw[axes.index(a, c as usize)] = 255;
        }
    }
}
