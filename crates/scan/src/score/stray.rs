//! The search for stray ink and identifying writing: ink on a sparse grid over the paper,
//! clear of the print and of every box's halo, joined into clusters; in the text zones (the
//! header, the column headings, the rows' texts) writing is told from print by the lines it
//! forms. Thresholds are explained in docs/reading.md, sections "Stray ink" and "Print and
//! writing in the text zones".

use super::{hist_quantile, image_bounds, mad_sigma, mean2x2, Inverse};
use crate::decode::all_have;
use crate::identify::Identified;
use crate::reading::{BoxClass, BoxReading, StrayInk, Transform};
use ecount_election::layout::{Point, Rect, RULE_WIDTH};

/// Stray-ink grid spacing, mm.
const STRAY_STEP: f64 = 0.6;
/// Stray-ink darkness (of a 2 x 2 mean, against the paper white of its cell, and above the
/// cell's noise).
const STRAY_DARKNESS: f64 = 0.12;
/// Clear space kept around rules and the code strip beyond their printed edges, mm: blur,
/// JPEG ringing and registration error put a faint shadow there.
const STRAY_PRINT_PAD: f64 = 1.0;
/// Stray-ink cells (grid points a side) over which paper white and noise are measured.
const STRAY_CELL: usize = 16;
/// Ink area (mm²) in one cluster above which stray ink may be identifying writing.
const STRAY_MIN_AREA: f32 = 2.0;
/// Stray clusters must also span at least this much (mm): a speck of dust does not.
const STRAY_MIN_SPAN: f32 = 3.0;
/// How far (mm) printed text may seem to leave its zone: blur and registration error.
const TEXT_ZONE_SLACK: f64 = 1.0;
/// Grid points (0.36 mm² each) of a speck of dust: the independent renderer's dust measured
/// 0.1-0.45 mm², which falls on 1 or 2 points, or on 4 for the largest if the grid lies so.
const SPECK_POINTS: usize = 2;
/// A header or row text line overreaches where its ink runs this many times the height of
/// its print's median band (x-height or cap height to baseline), and a grid step, beyond that
/// band. A cap, an ascender, a descender or a bracket reaches about half of it; at 0.5
/// independently rendered titles start to overreach, at 0.6 none of 900 papers' headers did.
const OVERREACH: f64 = 0.7;
/// ...over at least this length (mm) of the line...
const OVERREACH_MM: f64 = 1.8;
/// ...of a line this many grid columns long (shorter ones have no band to go by).
const OVERREACH_MIN_COLUMNS: usize = 5;
/// A header line's profile: its ink points counted in rows, bands of paper y one grid step
/// (`STRAY_STEP`, 0.6 mm) tall from the line's top edge. Rows with at least `TRAIL_BODY` of the
/// fullest row's points are its print's body; rows under `TRAIL_SPARSE` of it are sparse (a
/// cap's top, a descender or two). A run of sparse rows holding ink above the first body row
/// or below the last, at least `TRAIL_ROWS` long and `TRAIL_OF_BODY` of the body's height, or
/// one of at least `VALLEY_ROWS` between them, is writing: a pencil signature trailing off the
/// line, or joining two printed lines into one. An empty row, or one between sparse and body,
/// breaks a run; a line whose fullest row holds under 10 points (about 6 mm of ink) has no
/// sparse rows. Print's longest trail was 4 rows (2.4 mm, a large title's descender) and no
/// printed line had a valley, over 3,317 header lines of the independent renderer (runs 3 and
/// 4, every paper) and 5,747 of ours; signatures over the header trailed 5-7 rows (3-4.2 mm)
/// and joined two lines across valleys of 2-8 rows.
const TRAIL_BODY: f64 = 0.25;
const TRAIL_SPARSE: f64 = 0.1;
const TRAIL_ROWS: usize = 5;
const TRAIL_OF_BODY: f64 = 0.6;
const VALLEY_ROWS: usize = 2;
/// Under a header line's body its print has only descenders, each a glyph's width at most.
/// A row of the inked rows under the body (not the first, where letters' round bottoms fall
/// on a grid step) holding a run of at least `UNDERSTROKE_MM` / 0.6 = 6 grid points across
/// gaps of one point at most, and `UNDERSTROKE_OF_BODY` of the body's height, is a stroke
/// under the line: a signature's loops, or a line drawn under it. Print's longest run was
/// 3 mm (a large title's "y" under an 8-row body) and under 4-6-row bodies 2.4 mm, at most
/// 1.0 of the body, over 8,889 header lines of papers without writing (the independent
/// renderer's runs 3-5 and ours); a pencil signature's loops under an area's name ran 4.8 mm
/// (run 5, paper 318). Not seen: a stroke with points enough to count as body (a quarter of
/// the fullest row's), and a stroke sloping across rows, which is split. Searching under the
/// rows with half the fullest row's points instead flagged a clean paper: a thin 300-dpi
/// bilevel line whose x-height rows hold under half (our hard G4, seed 95, paper 848).
const UNDERSTROKE_MM: f64 = 3.6;
const UNDERSTROKE_OF_BODY: f64 = 1.2;
/// Widest gap (in line heights) between the words of a printed line: " - " is about one em.
const WORD_GAP: f64 = 1.5;
/// Clusters whose tops and bottoms agree to within this share of the line height lie on one
/// printed line and join across gaps of up to `BAND_GAP` line heights.
const SAME_BAND: f64 = 0.2;
const BAND_GAP: f64 = 4.0;
/// Widest blank paper, at full resolution, between the words of a row's text: a name or a
/// party on one line, set without justification, whose word spaces are a third of an em (at
/// most 0.46 of the line's height and 1.95 mm on the independent renderer's print, bilevel
/// at 150 dpi included). Writing put after a name at the name's height left 2.95-8.85 mm.
/// A row whose text has a spaced dash ("Britain First - Putting British people first")
/// keeps `WORD_GAP`: a bilevel threshold can erase the dash and leave an em of blank.
const ROW_WORD_GAP: f64 = 0.6;
const ROW_WORD_GAP_MM: f64 = 2.5;
/// The rows' texts share their edge to within this (mm): a name whose first letter is thin
/// or faint starts up to 2 mm in, and writing beside a name starts far from the margin.
const ROW_ALIGN_MM: f64 = 5.0;
/// Column headings are printed over the box columns, right of the rule at x = 136.
const HEADING_X0: f64 = 136.0;
/// Printed lines share a left edge, centre or right edge to within this (mm): glyphs' side
/// bearings and the grid step.
const ALIGN_MM: f64 = 2.0;
/// A header line whose ink, cut at this darkness (of the span below paper white), holds a
/// joined piece at least `JOIN_MM` wide and `JOIN_HEIGHTS` times the line's height has
/// writing across it: print's widest joined pieces (a pair of letters) measure up to 8 mm
/// and 1.1 line heights on clean grey scans of both renderers, a signature 11-46 mm.
const JOIN_DARKNESS: f64 = 0.4;
const JOIN_MM: f64 = 10.0;
const JOIN_HEIGHTS: f64 = 1.2;
/// A grainy pencil's stroke breaks at `JOIN_DARKNESS`; it holds together at this lighter cut,
/// where blur joins more of print's letters too (up to 12.5 mm at 150 dpi on grey scans of
/// both renderers): a piece at least `JOIN_FAINT_MM` wide (and `JOIN_HEIGHTS` line heights)
/// there is writing too. Pencil signatures over a title joined at 16-20 mm.
const JOIN_FAINT_DARKNESS: f64 = 0.3;
const JOIN_FAINT_MM: f64 = 15.0;
/// On a bilevel scan the threshold has already joined print's letters (up to 18.3 mm on our
/// renderer's hard 150-dpi G4, 11.2 mm on the independent renderer's); a piece at least this
/// wide is writing. Ballpoint signatures over header text: 19-41 mm.
const BILEVEL_JOIN_MM: f64 = 25.0;
/// From `JOIN_HALVED_PPM` (190 dpi) print joins less (our hard 200-dpi G4: 14.2 mm, realistic
/// 12.1 mm; 5.8 mm at 300 dpi), and a pencil signature over a title joined at 20 mm.
const BILEVEL_JOIN_FINE_MM: f64 = 18.0;
/// Pixels per mm from which the join trace reads every other pixel's 2 x 2 mean (190 dpi).
const JOIN_HALVED_PPM: f64 = 7.5;
/// The margin round a line searched for what joins it.
const JOIN_PAD: f64 = 0.5;

/// Ink on a sparse grid over the parts of the paper where nothing is printed and no box's halo
/// reaches, clustered; clusters big enough to be writing are reported.
pub(super) fn find_stray_ink(
    id: &Identified,
    inv: &Inverse,
    boxes: &[BoxReading],
    bilevel: bool,
) -> Vec<StrayInk> {
    let layout = &id.layout;
    let reg = &id.registered;
    let tf = &id.transform;
    let (iw, ih) = reg.image.dimensions();
    if iw < 3 || ih < 3 {
        return Vec::new();
    }
    let mut obstacles: Vec<Rect> = Vec::new();
    obstacles.extend(layout.fiducials().iter().map(|r| r.inflate(1.5)));
    obstacles.push(layout.strip_area().inflate(1.5 + STRAY_PRINT_PAD));
    // The header, the column headings and the row texts are searched too: writing there
    // is told from print by the lines it forms (see `not_print`).
    // Boxes whose own mark may spill further than the halo: widen their clear zone.
    for (vb, b) in layout.voting_boxes().iter().zip(boxes) {
        let spill = if b.class == BoxClass::Empty { 0.0 } else { 4.0 };
        obstacles.push(vb.halo().inflate(spill));
    }
    let rule_pad = RULE_WIDTH / 2.0 + STRAY_PRINT_PAD;
    obstacles.extend(layout.rules().iter().map(|r| {
        Rect::new(
            r.from.x.min(r.to.x),
            r.from.y.min(r.to.y),
            r.from.x.max(r.to.x),
            r.from.y.max(r.to.y),
        )
        .inflate(rule_pad)
    }));
    // Stay clear of the paper's edge, where scanners leave shadows.
    let margin = 4.0;
    let inside = Rect::new(
        margin,
        margin,
        layout.width - margin,
        layout.height - margin,
    );
    // The grid is laid on the image, not the paper: its rows are image rows, read left to
    // right, so memory is walked in order whatever the paper's skew (a grid along the
    // paper's rows would jump to a new image row every few samples of a rotated page).
    let step = STRAY_STEP * reg.ppm;
    let (bx0, by0, bx1, by1) = image_bounds(tf, &inside, reg.image);
    let (bx1, by1) = (bx1.min(iw - 2), by1.min(ih - 2));
    if bx1 <= bx0 || by1 <= by0 || step < 1.0 {
        return Vec::new();
    }
    let nx = (f64::from(bx1 - bx0) / step) as usize + 1;
    let ny = (f64::from(by1 - by0) / step) as usize + 1;
    let grid_x = |i: usize| f64::from(bx0) + step * i as f64;
    let grid_y = |j: usize| f64::from(by0) + step * j as f64;
    // Grid points are sampled one band of cells at a time (STRAY_CELL grid rows), so each
    // cell's histogram is built as its points are read and the band's histograms stay in
    // cache; a cell with no sample dark enough to be ink is never visited again.
    let (cx, cy) = (nx.div_ceil(STRAY_CELL), ny.div_ceil(STRAY_CELL));
    // Points not sampled stay 255, which is never ink: every cut lies at least
    // STRAY_DARKNESS x 25 grey levels below a white of at most 255.
    let mut vals = vec![255u8; nx * ny];
    let mut ink = vec![false; nx * ny];
    let mut inked: Vec<usize> = Vec::new();
    let raw = reg.image.as_raw();
    let width = iw as usize;
    let row_runs = RowRuns {
        inv,
        inside: &inside,
        obstacles: &obstacles,
        x_range: (bx0, bx1),
        step,
        nx,
    };
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut blocked: Vec<(usize, usize)> = Vec::new();
    // Each grid column's pixel column, worked out once.
    let xs: Vec<usize> = (0..nx).map(|i| grid_x(i) as usize).collect();
    // A bilevel scan's threshold leaves light pencil as a dotted trail of one- and two-pixel
    // dots, most of which a 2 x 2 sample every 0.6 mm steps over: on bare paper each grid
    // point there also stands for its whole cell. Not over printed text, whose letters the
    // cells would fatten past what `not_print` knows of print; and kept a cell further from
    // print, which a cell reaches half a cell beyond its point.
    let pooled = bilevel;
    let mut pool = Pooled::new(step, width);
    let bare: Vec<Rect> = if pooled {
        let mut text = vec![layout.header_zone(), layout.column_heading_zone()];
        text.extend((0..layout.options).map(|k| layout.row_text(k)));
        text.iter()
            .map(|z| z.inflate(TEXT_ZONE_SLACK))
            .chain(obstacles.iter().copied())
            .map(|r| r.inflate(STRAY_STEP))
            .collect()
    } else {
        Vec::new()
    };
    let free_runs = pooled.then(|| RowRuns {
        obstacles: &bare,
        ..row_runs
    });
    let mut hists = vec![[0u32; 256]; cx];
    let mut counts = vec![0usize; cx];
    let mut darkest = vec![255u8; cx];
    // Each cell's own (white, noise) where enough paper was sampled, this band and the one
    // above.
    let mut band: Vec<Option<(f64, f64)>> = vec![None; cx];
    let mut above: Vec<Option<(f64, f64)>> = vec![None; cx];
    for cj in 0..cy {
        for (h, &n) in hists.iter_mut().zip(&counts) {
            if n > 0 {
                h.fill(0);
            }
        }
        counts.fill(0);
        darkest.fill(255);
        let rows = cj * STRAY_CELL..((cj + 1) * STRAY_CELL).min(ny);
        for j in rows.clone() {
            let py = grid_y(j) as u32;
            row_runs.find(f64::from(py), &mut blocked, &mut runs);
            let row = py as usize * width;
            if let Some(free) = &free_runs {
                free.find(f64::from(py), &mut blocked, &mut pool.runs);
                pool.count(raw, width, ih as usize, py as usize, &xs);
            }
            for &(i0, i1) in &runs {
                let mut c0 = i0;
                while c0 < i1 {
                    let c = c0 / STRAY_CELL;
                    let c1 = ((c + 1) * STRAY_CELL).min(i1);
                    let hist = &mut hists[c];
                    let mut dark = darkest[c];
                    let at = j * nx;
                    // Most of a bilevel page is paper of 255: a stretch of samples over no
                    // other value is all white (as `vals` starts), counted at once.
                    let (a, b) = (row + xs[c0], row + xs[c1 - 1] + 2);
                    let white = |r: usize| all_have(&raw[r + a..r + b], 0xFF);
                    if bilevel && white(0) && white(width) {
                        hist[255] += (c1 - c0) as u32;
                        counts[c] += c1 - c0;
                        c0 = c1;
                        continue;
                    }
                    for (&x, val) in xs[c0..c1].iter().zip(&mut vals[at + c0..at + c1]) {
                        let k = row + x;
                        let sum = u16::from(raw[k])
                            + u16::from(raw[k + 1])
                            + u16::from(raw[k + width])
                            + u16::from(raw[k + width + 1]);
                        let p = (sum / 4) as u8;
                        *val = p;
                        hist[p as usize] += 1;
                        dark = dark.min(p);
                    }
                    counts[c] += c1 - c0;
                    darkest[c] = dark;
                    c0 = c1;
                }
            }
            // Cells holding ink are black points, after the 2 x 2 samples made the cells'
            // white: cells fatten dense writing until it is most of the cell.
            if free_runs.is_some() {
                for &i in &pool.hits {
                    vals[j * nx + i] = 0;
                    darkest[i / STRAY_CELL] = 0;
                }
            }
        }
        // Paper white and noise per cell, from the cell's own samples: uneven lighting and a
        // blotchy scanner lamp move the white by more than faint pencil darkens it, so a white
        // interpolated between the fiducials is not enough.
        for ci in 0..cx {
            let n = counts[ci];
            band[ci] = if n >= STRAY_CELL * STRAY_CELL / 4 {
                let w = hist_quantile(&hists[ci], n, 0.6);
                Some((w, mad_sigma(&hists[ci], n, w)))
            } else {
                None
            };
        }
        for ci in 0..cx {
            let n = counts[ci];
            if n == 0 {
                continue;
            }
            let centre = |k: usize, last: usize| (k * STRAY_CELL + STRAY_CELL / 2).min(last);
            let (u, v) = (grid_x(centre(ci, nx - 1)), grid_y(centre(cj, ny - 1)));
            // A cell with too few paper samples to trust (mostly covered by print or ink, or
            // cut by the image's edge) takes a neighbour's white and noise, or failing that
            // the white interpolated between the fiducials at its centre.
            let (mut white, mut noise) = band[ci]
                .or(above[ci])
                .or_else(|| band[ci.saturating_sub(1)])
                .or_else(|| band.get(ci + 1).copied().flatten())
                .unwrap_or((reg.white_at(u, v), 0.0));
            // A cell that dense writing mostly covers measures the ink as its white, dark
            // enough to be ink against the paper beside it (within two cells, lit nearly the
            // same): it takes that paper's white.
            let span = (reg.white_at(u, v) - reg.black).max(25.0);
            let near = ci.saturating_sub(2)..(ci + 3).min(cx);
            let beside = band[near.clone()]
                .iter()
                .chain(&above[near])
                .flatten()
                .fold((0.0, 0.0), |a, &b| if b.0 > a.0 { b } else { a });
            if white < beside.0 - STRAY_DARKNESS * span {
                (white, noise) = beside;
            }
            let span = (white - reg.black).max(25.0);
            let cut = white - (STRAY_DARKNESS * span).max(4.0 * noise);
            if f64::from(darkest[ci]) > cut {
                continue;
            }
            let cols = ci * STRAY_CELL..((ci + 1) * STRAY_CELL).min(nx);
            for j in rows.clone() {
                for k in j * nx + cols.start..j * nx + cols.end {
                    if f64::from(vals[k]) <= cut {
                        ink[k] = true;
                        inked.push(k);
                    }
                }
            }
        }
        std::mem::swap(&mut band, &mut above);
    }
    let mut points = Vec::with_capacity(inked.len());
    let blobs = clusters(&mut ink, &inked, nx, ny, &mut points, |i, j| {
        inv.map(grid_x(i), grid_y(j))
    });
    let cell = (STRAY_STEP * STRAY_STEP) as f32;
    let ink_from =
        |band: &Rect, to_x: f64, max_gap: f64| ink_reaches_left(reg, tf, band, to_x, max_gap);
    // One set of buffers for every line traced on the paper.
    let scratch = std::cell::RefCell::new(JoinScratch::default());
    let widest = |area: &Rect| {
        Some(widest_join(
            reg,
            tf,
            area,
            [JOIN_DARKNESS, JOIN_FAINT_DARKNESS],
            &mut scratch.borrow_mut(),
        ))
    };
    let join_mm = if bilevel && reg.ppm >= JOIN_HALVED_PPM {
        [BILEVEL_JOIN_FINE_MM; 2]
    } else if bilevel {
        [BILEVEL_JOIN_MM; 2]
    } else {
        [JOIN_MM, JOIN_FAINT_MM]
    };
    let dashed: Vec<[bool; 2]> = id
        .contest
        .options
        .iter()
        .map(|o| {
            let name = spaced_dash(&o.name);
            if o.description.trim().is_empty() {
                // A party without a description is one line, wherever in the row it is set.
                [name; 2]
            } else {
                [name, spaced_dash(&o.description)]
            }
        })
        .collect();
    not_print(layout, &dashed, blobs, &points, &ink_from, &widest, join_mm)
        .into_iter()
        // What is not print, before the size test: why writing was or was not flagged.
        .inspect(|b| tracing::trace!(paper = ?b.paper, points = b.points(), "not print"))
        .filter(|b| {
            let (w, h) = (b.paper.width(), b.paper.height());
            b.points() as f32 * cell >= STRAY_MIN_AREA && w.max(h) as f32 >= STRAY_MIN_SPAN
        })
        .filter(|b| !edge_shading(reg, tf, layout, &inside, &b.paper))
        .map(|b| StrayInk {
            paper_mm: [
                b.paper.x0 as f32,
                b.paper.y0 as f32,
                b.paper.x1 as f32,
                b.paper.y1 as f32,
            ],
            area_mm2: b.points() as f32 * cell,
        })
        .collect()
}

/// How far (mm) short of the paper's edge a walk toward it stops: the scanner's background
/// beyond the edge must not count, wherever the fitted edge is off by the transform's error.
const EDGE_STOP: f64 = 1.0;
/// How much (of the span) a walk toward the paper's edge must brighten again past the
/// darkest it met for that to be paper beyond ink. The 21 blobs of writing against the
/// margin in the independent renderer's runs 3-5 recovered by 31-255 grey levels (0.15 of
/// the span or more); a shadow on the right edge (run 5, paper 383, 2.5 x 19 mm, at 0.1-0.2
/// of the span) by 1.2 levels.
const EDGE_RECOVERY: f64 = 0.05;
/// Length (mm) of the pieces of an edge walked apart: a few letters' height.
const EDGE_PIECE: f64 = 4.0;
/// Darkest (of the span) a shadow's samples may be: paper 383's shadow reached 0.24 at 1 mm
/// from the edge, a pen's ink is darker than 0.5. Ink run off the paper's edge, which never
/// brightens again, is told from a shadow so; a light pencil stroke run off the edge inside
/// a shadow would not be.
const EDGE_SHADOW_MAX: f64 = 0.35;

/// Whether a stray blob against the margin kept clear of the paper's edge is the edge's
/// shading (a lid's or the feed's shadow darkening the paper toward the edge) and not ink:
/// walking from its inner side to the edge, across its whole length along it, the paper only
/// darkens, and never as dark as ink (`EDGE_SHADOW_MAX`). Ink has paper beyond it, brighter
/// than the ink, on a side it touches, or is darker than a shadow; where the image ends
/// before the paper's edge, the blob is ink.
fn edge_shading(
    reg: &crate::register::Registered,
    tf: &Transform,
    layout: &ecount_election::PaperLayout,
    inside: &Rect,
    blob: &Rect,
) -> bool {
    let FullRes {
        raw,
        width,
        w,
        h,
        px,
    } = FullRes::of(reg);
    let (bw, bh) = (layout.width, layout.height);
    // Per side it touches: the walk across it from the blob's far side to the edge, and
    // whether it runs along x (its extent along the edge is then the blob's y, else its x).
    let sides = [
        (blob.x0 <= inside.x0 + STRAY_STEP, blob.x1, EDGE_STOP, true),
        (
            blob.x1 >= inside.x1 - STRAY_STEP,
            blob.x0,
            bw - EDGE_STOP,
            true,
        ),
        (blob.y0 <= inside.y0 + STRAY_STEP, blob.y1, EDGE_STOP, false),
        (
            blob.y1 >= inside.y1 - STRAY_STEP,
            blob.y0,
            bh - EDGE_STOP,
            false,
        ),
    ];
    let (u, v) = tf.apply((blob.x0 + blob.x1) / 2.0, (blob.y0 + blob.y1) / 2.0);
    let white = reg.white_at(u, v);
    let span = (white - reg.black).max(25.0);
    // No sample of a shadow is this dark: ink run off the edge never brightens again.
    let ink = (white - EDGE_SHADOW_MAX * span).max(0.0);
    let mut touched = false;
    for (_, from, to, along_x) in sides.into_iter().filter(|s| s.0) {
        touched = true;
        let (a0, a1) = if along_x {
            (blob.y0, blob.y1)
        } else {
            (blob.x0, blob.x1)
        };
        // Walked in pieces of the edge `EDGE_PIECE` long, so that initials beside a long
        // shadow are not lost in its mean.
        let pieces = ((a1 - a0) / EDGE_PIECE).ceil().max(1.0) as usize;
        let mut darkest = vec![f64::MAX; pieces];
        let mut sums = vec![(0u64, 0u64); pieces];
        let dir = if to > from { 1.0 } else { -1.0 };
        let mut s = from;
        while (to - s) * dir >= 0.0 {
            sums.fill((0, 0));
            let mut a = a0;
            while a <= a1 {
                let (x, y) = if along_x { (s, a) } else { (a, s) };
                let (u, v) = tf.apply(x, y);
                if u >= 0.0 && v >= 0.0 && (u as u32) < w && (v as u32) < h {
                    let k = (((a - a0) / EDGE_PIECE) as usize).min(pieces - 1);
                    let p = mean2x2(raw, width, h, u as u32, v as u32);
                    if f64::from(p) < ink {
                        return false;
                    }
                    sums[k].0 += u64::from(p);
                    sums[k].1 += 1;
                }
                a += px;
            }
            if sums.iter().all(|&(_, n)| n == 0) {
                // The image ends before the paper does: what lies beyond is unseen.
                return false;
            }
            for (&(sum, n), dark) in sums.iter().zip(&mut darkest) {
                if n == 0 {
                    continue;
                }
                let mean = sum as f64 / n as f64;
                if mean > *dark + EDGE_RECOVERY * span {
                    return false;
                }
                *dark = dark.min(mean);
            }
            s += dir * px;
        }
    }
    touched
}

/// A cluster of ink points: how many, and their bounds on the paper (mm).
#[derive(Debug, Clone)]
struct Blob {
    paper: Rect,
    /// Its points' paper positions: ranges of the points [`clusters`] found.
    parts: Vec<(usize, usize)>,
}

impl Blob {
    /// How many grid points of ink it holds.
    fn points(&self) -> usize {
        self.parts.iter().map(|(a, b)| b - a).sum()
    }

    /// Its points' paper positions, from all the points [`clusters`] found.
    fn points_in<'a>(&'a self, points: &'a [(f64, f64)]) -> impl Iterator<Item = &'a (f64, f64)> {
        self.parts.iter().flat_map(move |&(a, b)| &points[a..b])
    }
}

/// The clusters that are not printed text. Print never leaves its zone (the header, the
/// column headings, a row's text), and it forms lines: words side by side, and lines that
/// share a left edge, a centre or a right edge with another line (a title centred over the
/// area's name, a party under its candidate). Clusters in a text zone are joined into lines;
/// a line that lines up with no other is writing, and so is anything outside the zones.
fn not_print(
    layout: &ecount_election::PaperLayout,
    dashed: &[[bool; 2]],
    blobs: Vec<Blob>,
    points: &[(f64, f64)],
    ink_from: &dyn Fn(&Rect, f64, f64) -> f64,
    widest: &dyn Fn(&Rect) -> Option<[f64; 2]>,
    join_mm: [f64; 2],
) -> Vec<Blob> {
    let mut zones = vec![layout.header_zone(), layout.column_heading_zone()];
    zones.extend((0..layout.options).map(|k| layout.row_text(k)));
    // A cluster belongs to the zone that holds it. A row's text zone also takes one with a
    // speck of dust the grid joined to a printed line (at most `SPECK_POINTS` outside): on
    // its own the speck is too small to be writing, and it must not make the line so. Not
    // the header or the column headings, whose print is tested less strictly for writing.
    let zone_of = |b: &Blob| {
        let slack = |z: &Rect| z.inflate(TEXT_ZONE_SLACK);
        zones
            .iter()
            .position(|z| slack(z).encloses(&b.paper))
            .or_else(|| {
                (2..zones.len()).find(|&k| {
                    // A point stands for the grid cell around it, as in the bounds.
                    let core = slack(&zones[k]).inflate(-STRAY_STEP / 2.0);
                    b.points() > SPECK_POINTS
                        && b.points_in(points)
                            .filter(|&&(x, y)| !core.contains(Point { x, y }))
                            .take(SPECK_POINTS + 1)
                            .count()
                            <= SPECK_POINTS
                })
            })
    };
    let mut by_zone: Vec<Vec<Blob>> = vec![Vec::new(); zones.len()];
    let mut out = Vec::new();
    for b in blobs {
        match zone_of(&b) {
            Some(z) => by_zone[z].push(b),
            None => out.push(b),
        }
    }
    // Rows whose words are parted by word spaces only (see `ROW_WORD_GAP`).
    // The name is the row's first line, the description its second: a piece above the
    // middle of the row's text zone is on the name's line.
    let tight = |z: usize, piece: &Rect| {
        let Some(&[name, description]) = z.checked_sub(2).and_then(|k| dashed.get(k)) else {
            return z >= 2;
        };
        let on_name = piece.y0 + piece.y1 < zones[z].y0 + zones[z].y1;
        !(if on_name { name } else { description })
    };
    // Join the clusters of each zone that share a line and lie close (letters, words, a
    // spaced dash), left to right, until nothing more joins.
    let mut lines: Vec<(usize, Blob)> = Vec::new();
    for (z, mut blobs) in by_zone.into_iter().enumerate() {
        blobs.sort_by(|a, b| a.paper.x0.total_cmp(&b.paper.x0));
        let mut joined = true;
        while joined {
            joined = false;
            let mut a = 0;
            while a < blobs.len() {
                let mut b = a + 1;
                while b < blobs.len() {
                    let (pa, pb) = (&blobs[a].paper, &blobs[b].paper);
                    if one_line(pa, pb) && bridged(pa, pb, tight(z, pa), ink_from) {
                        let other = blobs.remove(b);
                        let line = &mut blobs[a];
                        line.paper = line.paper.union(&other.paper);
                        line.parts.extend(other.parts);
                        joined = true;
                    } else {
                        b += 1;
                    }
                }
                a += 1;
            }
        }
        lines.extend(blobs.into_iter().map(|b| (z, b)));
    }
    // The header's lines align with each other, the rows' texts with each other.
    let group = |z: usize| z.min(2);
    let edges = |r: &Rect| [r.x0, (r.x0 + r.x1) / 2.0, r.x1];
    // Whether line i shares edge e (left, centre, right) with another line of its group.
    let partnered = |i: usize, e: usize| {
        let (z, p) = (lines[i].0, edges(&lines[i].1.paper)[e]);
        lines.iter().enumerate().any(|(k, (zm, m))| {
            k != i && group(*zm) == group(z) && (edges(&m.paper)[e] - p).abs() <= ALIGN_MM
        })
    };
    // The header's print is set one way (left, centred or right), and with a handful of lines
    // spread over the zone's width, a line of writing shares some edge with one of them by
    // chance (within ALIGN_MM, a third of the time or more). So a header line is print when
    // it shares the edge that most header lines share (the block), or shares an edge with a
    // line outside the block (a second block, set its own way), or is a piece of a printed
    // line split where the scan broke thin letters: bridged to pieces on its band, one of
    // which is in the block or which together line up. Specks of dust are nobody's partner.
    let header: Vec<usize> = (0..lines.len())
        .filter(|&k| lines[k].0 == 0)
        .filter(|&k| {
            let r = &lines[k].1.paper;
            r.width().max(r.height()) >= f64::from(STRAY_MIN_SPAN)
        })
        .collect();
    let shares = |i: usize, k: usize, e: usize| {
        (edges(&lines[i].1.paper)[e] - edges(&lines[k].1.paper)[e]).abs() <= ALIGN_MM
    };
    let shares_any = |i: usize, e: usize| header.iter().any(|&k| k != i && shares(i, k, e));
    let block_edge = (0..3)
        .max_by_key(|&e| (header.iter().filter(|&&i| shares_any(i, e)).count(), 2 - e))
        .unwrap_or(0);
    let in_block: Vec<bool> = (0..lines.len())
        .map(|i| header.contains(&i) && shares_any(i, block_edge))
        .collect();
    let header_print = |i: usize| {
        let r = &lines[i].1.paper;
        shares_any(i, block_edge)
            || header
                .iter()
                .any(|&k| k != i && !in_block[k] && (0..3).any(|e| shares(i, k, e)))
            || {
                // The pieces of one printed line keep to its band, each within a word gap of
                // the next or bridged by ink the grid missed; together they line up.
                let mut pieces = vec![i];
                let mut n = 0;
                while n < pieces.len() {
                    let m = lines[pieces[n]].1.paper;
                    for &k in &header {
                        let p = &lines[k].1.paper;
                        if !pieces.contains(&k)
                            && p.y1.min(m.y1) > p.y0.max(m.y0)
                            && top_or_bottom(p, &m)
                            && bridged(p, &m, false, ink_from)
                        {
                            pieces.push(k);
                        }
                    }
                    n += 1;
                }
                pieces.iter().any(|&k| k != i && in_block[k]) || {
                    let whole = pieces.iter().fold(*r, |u, &k| u.union(&lines[k].1.paper));
                    let at = edges(&whole)[block_edge];
                    header.iter().any(|&k| {
                        !pieces.contains(&k)
                            && k != i
                            && (edges(&lines[k].1.paper)[block_edge] - at).abs() <= ALIGN_MM
                    })
                }
            }
    };
    // The rows' texts are many lines with ragged ends and similar widths, so their centres
    // and right edges meet by chance: they are print when they share the one edge position
    // (the median of left edges, centres or right edges) that most of them share.
    let row_edges: Vec<[f64; 3]> = lines
        .iter()
        .filter(|(z, _)| group(*z) == 2)
        .map(|(_, l)| edges(&l.paper))
        .collect();
    let median = |e: usize| {
        let mut v: Vec<f64> = row_edges.iter().map(|x| x[e]).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let (rows_edge, rows_at) = (0..3)
        .map(|e| (e, median(e)))
        .max_by_key(|&(e, at)| {
            let near = row_edges
                .iter()
                .filter(|x| (x[e] - at).abs() <= ROW_ALIGN_MM)
                .count();
            // Ties go to the left edge, then the centre.
            (near, 2 - e)
        })
        .unwrap_or((0, 0.0));
    let heading = 1;
    let mut writing = Vec::new();
    for (i, (z, l)) in lines.iter().enumerate() {
        let aligned = if group(*z) == 2 {
            let near = |x: f64| (x - rows_at).abs() <= ROW_ALIGN_MM;
            // Small print's thin strokes can fall between the grid's points for a word or
            // two, so a line that starts right of the rows' left edge is followed leftwards
            // on the image, word gap by word gap: print reaches the edge, writing does not.
            // The walk stops at another line of the row beside this one, unless the two
            // share a top or a bottom (the start of the same printed line, whose words may
            // lack capitals or descenders): writing after a candidate's name must not borrow
            // the name's left edge.
            let stop = lines
                .iter()
                .filter(|(zm, m)| {
                    zm == z
                        && m.paper.x1 <= l.paper.x0
                        && m.paper.y1.min(l.paper.y1) > m.paper.y0.max(l.paper.y0)
                        && !top_or_bottom(&m.paper, &l.paper)
                })
                .map(|(_, m)| m.paper.x1)
                .fold(rows_at - ROW_ALIGN_MM, f64::max);
            near(edges(&l.paper)[rows_edge])
                || (rows_edge == 0
                    && l.paper.x0 > rows_at
                    && near(ink_from(
                        &l.paper,
                        stop,
                        gap(tight(*z, &l.paper), l.paper.height()),
                    )))
        } else if *z == 0 {
            header_print(i)
        } else {
            (0..3).any(|e| partnered(i, e))
        };
        // Column headings sit over the box columns, between rules that may cut them.
        let over_column = *z == heading && l.paper.x0 >= HEADING_X0 - TEXT_ZONE_SLACK;
        // Writing across a header line, or written on after a name, joins the printed line
        // and lines up as it does, but reaches far above or below the band the line's print
        // keeps to. Not the column headings: short lines of a few words, cut by rules.
        // Handwriting across a header line joins the letters it crosses: at print's own
        // darkness a printed word falls apart into letters, or pairs of letters where serifs
        // or tight spacing touch, but a pen stroke runs on (not the rows: their bold names in
        // capitals join whole). On a bilevel scan, whose threshold joins letters, the piece
        // must be longer (`join_mm`).
        let joins = || {
            let area = l.paper.inflate(JOIN_PAD);
            let high = JOIN_HEIGHTS * l.paper.height();
            widest(&area).is_some_and(|[w, faint]| {
                w >= join_mm[0].max(high) || faint >= join_mm[1].max(high)
            })
        };
        let over = || *z != 1 && overreaches(l, points);
        let trail = || *z == 0 && trails(l, points);
        if (!aligned && !over_column) || over() || trail() || (*z == 0 && joins()) {
            writing.push(i);
        }
        // For checking a paper by hand (`--log ecount_scan=trace`): why a line was print.
        if tracing::enabled!(tracing::Level::TRACE) {
            tracing::trace!(zone = z, paper = ?l.paper, aligned, over_column, over = over(),
                trail = trail(), "text line");
        }
    }
    out.extend(
        lines
            .into_iter()
            .enumerate()
            .filter(|(i, _)| writing.contains(i))
            .map(|(_, (_, l))| l),
    );
    out.sort_by(|a, b| a.paper.y0.total_cmp(&b.paper.y0));
    out
}

/// A registered image's pixels, for reading a region at full resolution: the raw grey
/// bytes, the row length, the dimensions and the size of a pixel on the paper (mm).
struct FullRes<'a> {
    raw: &'a [u8],
    width: usize,
    w: u32,
    h: u32,
    px: f64,
}

impl<'a> FullRes<'a> {
    fn of(reg: &crate::register::Registered<'a>) -> Self {
        let (w, h) = reg.image.dimensions();
        FullRes {
            raw: reg.image.as_raw(),
            width: w as usize,
            w,
            h,
            px: 1.0 / reg.ppm.max(1e-6),
        }
    }
}

/// The grey at `darkness` of the span from the paper white at paper point (x, y) to print
/// black: the cut for ink there.
fn cut_at(reg: &crate::register::Registered, tf: &Transform, x: f64, y: f64, darkness: f64) -> f64 {
    let (u, v) = tf.apply(x, y);
    let white = reg.white_at(u, v);
    white - darkness * (white - reg.black).max(25.0)
}

/// The leftmost ink (paper x, mm) reached from a text line's left edge walking left on the
/// image at full resolution, across the line's band, down to `to_x`, over gaps of at most
/// `max_gap` mm; the line's own left edge when nothing joins it.
fn ink_reaches_left(
    reg: &crate::register::Registered,
    tf: &Transform,
    band: &Rect,
    to_x: f64,
    max_gap: f64,
) -> f64 {
    let FullRes {
        raw,
        width,
        w,
        h,
        px,
    } = FullRes::of(reg);
    let cut = cut_at(reg, tf, band.x0, (band.y0 + band.y1) / 2.0, STRAY_DARKNESS);
    let mut reached = band.x0;
    let mut x = band.x0 - px;
    while x >= to_x && reached - x <= max_gap {
        let mut y = band.y0;
        while y <= band.y1 {
            let (u, v) = tf.apply(x, y);
            let on_image = u >= 0.0 && v >= 0.0 && (u as u32) < w && (v as u32) < h;
            if on_image && f64::from(mean2x2(raw, width, h, u as u32, v as u32)) <= cut {
                reached = x;
                break;
            }
            y += px;
        }
        x -= px;
    }
    reached
}

/// The widest piece of joined ink (paper mm) in a rectangle of the paper, traced at full
/// resolution through the transform, cut at each `darkness` of the span below the local
/// white (one trace, two cuts).
fn widest_join(
    reg: &crate::register::Registered,
    tf: &Transform,
    area: &Rect,
    darkness: [f64; 2],
    scratch: &mut JoinScratch,
) -> [f64; 2] {
    let FullRes {
        raw,
        width,
        w,
        h,
        px,
    } = FullRes::of(reg);
    // From 200 dpi, every other pixel's 2 x 2 mean: a quarter of the samples, with the gaps
    // between print's letters (two pixels or more) kept and a pencil's grain smoothed.
    let halved = reg.ppm >= JOIN_HALVED_PPM;
    let px = if halved { 2.0 * px } else { px };
    let cols = (area.width() / px).ceil().max(0.0) as usize;
    let rows = (area.height() / px).ceil().max(0.0) as usize;
    if cols == 0 || rows == 0 {
        return [0.0; 2];
    }
    let (mid_x, mid_y) = ((area.x0 + area.x1) / 2.0, (area.y0 + area.y1) / 2.0);
    let cuts = darkness.map(|d| cut_at(reg, tf, mid_x, mid_y, d).clamp(0.0, 255.0) as u8);
    let JoinScratch { pieces, line } = scratch;
    for joins in pieces.iter_mut() {
        joins.clear();
    }
    line.clear();
    line.resize(cols, 255);
    let (du, dv) = (tf.a * px, tf.d * px);
    let on_image =
        |(u, v): (f64, f64)| u >= 0.0 && v >= 0.0 && u < f64::from(w) && v < f64::from(h);
    for r in 0..rows {
        let y = area.y0 + (r as f64 + 0.5) * px;
        let first = tf.apply(area.x0 + 0.5 * px, y);
        let last = tf.apply(area.x0 + (cols as f64 - 0.5) * px, y);
        // A pixel in from the edges, so that fixed point's rounding cannot step off the image.
        let inside =
            |(u, v): (f64, f64)| on_image((u - 1.0, v - 1.0)) && on_image((u + 1.0, v + 1.0));
        if inside(first) && inside(last) {
            // The whole row lies on the image (the map is affine): step in fixed point, one
            // stretch of the row per image row it crosses (a few on a skewed page).
            const ONE: f64 = 65536.0;
            let (mut u, mut v) = ((first.0 * ONE) as i64, (first.1 * ONE) as i64);
            let (du, dv) = ((du * ONE) as i64, (dv * ONE) as i64);
            let mut c = 0;
            while c < cols {
                let floor = (v >> 16) << 16;
                // Steps before v leaves this image row.
                let steps = match dv.signum() {
                    1 => (floor + (1 << 16) - v + dv - 1) / dv,
                    -1 => (v - floor) / -dv + 1,
                    _ => cols as i64,
                };
                let end = (c + steps.max(1) as usize).min(cols);
                let row = &raw[(v >> 16) as usize * width..];
                if halved {
                    for s in &mut line[c..end] {
                        let x = (u >> 16) as usize;
                        let sum = u16::from(row[x])
                            + u16::from(row[x + 1])
                            + u16::from(row[x + width])
                            + u16::from(row[x + width + 1]);
                        *s = (sum / 4) as u8;
                        u += du;
                    }
                } else {
                    for s in &mut line[c..end] {
                        *s = row[(u >> 16) as usize];
                        u += du;
                    }
                }
                v += dv * (end - c) as i64;
                c = end;
            }
        } else {
            let (mut u, mut v) = first;
            for s in line.iter_mut() {
                *s = match (on_image((u, v)), halved) {
                    (true, true) => mean2x2(raw, width, h, u as u32, v as u32),
                    (true, false) => raw[v as usize * width + u as usize],
                    (false, _) => 255,
                };
                u += du;
                v += dv;
            }
        }
        for (joins, &cut) in pieces.iter_mut().zip(&cuts) {
            joins.add_row(line, cut);
        }
    }
    [0, 1].map(|k| pieces[k].widest() as f64 * px)
}

/// The buffers `widest_join` fills, kept from one traced line to the next.
#[derive(Default)]
struct JoinScratch {
    pieces: [Joins; 2],
    line: Vec<u8>,
}

/// Pieces of joined ink, built one traced row at a time: union-find over runs of ink along
/// each row, a run joining the runs of the row above that it touches (8-connected).
#[derive(Default)]
struct Joins {
    parent: Vec<usize>,
    /// Each run's (and, at a root, each piece's) first and past-last column.
    extent: Vec<(usize, usize)>,
    prev: Vec<(usize, usize, usize)>,
    cur: Vec<(usize, usize, usize)>,
}

impl Joins {
    fn clear(&mut self) {
        self.parent.clear();
        self.extent.clear();
        self.prev.clear();
        self.cur.clear();
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn add_row(&mut self, line: &[u8], cut: u8) {
        self.cur.clear();
        let cols = line.len();
        let mut c = 0;
        while c < cols {
            if line[c] > cut {
                c += 1;
                continue;
            }
            let c0 = c;
            while c < cols && line[c] <= cut {
                c += 1;
            }
            let id = self.parent.len();
            self.parent.push(id);
            self.extent.push((c0, c));
            self.cur.push((c0, c, id));
        }
        let mut k = 0;
        for n in 0..self.cur.len() {
            let (c0, c1, id) = self.cur[n];
            while k < self.prev.len() && self.prev[k].1 < c0 {
                k += 1;
            }
            let mut j = k;
            while j < self.prev.len() && self.prev[j].0 <= c1 {
                let (a, b) = (self.root(id), self.root(self.prev[j].2));
                if a != b {
                    self.parent[b] = a;
                    let (ea, eb) = (self.extent[a], self.extent[b]);
                    self.extent[a] = (ea.0.min(eb.0), ea.1.max(eb.1));
                }
                j += 1;
            }
        }
        std::mem::swap(&mut self.prev, &mut self.cur);
    }

    /// The widest piece, in columns.
    fn widest(&self) -> usize {
        (0..self.parent.len())
            .filter(|&i| self.parent[i] == i)
            .map(|i| self.extent[i].1 - self.extent[i].0)
            .max()
            .unwrap_or(0)
    }
}

/// Whether a line's ink reaches well above or below the band that most of its length keeps
/// to. Across a printed line, each paper column's ink starts at the x-height or the cap
/// height and ends at the baseline or a descender; a signature across the line (or joining
/// it to the line below) rises or drops a line's height beyond that over part of it.
fn overreaches(line: &Blob, points: &[(f64, f64)]) -> bool {
    let x0 = line.paper.x0;
    let n = (line.paper.width() / STRAY_STEP) as usize + 1;
    let mut tops = vec![f64::MAX; n];
    let mut bottoms = vec![f64::MIN; n];
    for &(x, y) in line.points_in(points) {
        let c = (((x - x0) / STRAY_STEP) as usize).min(n - 1);
        tops[c] = tops[c].min(y);
        bottoms[c] = bottoms[c].max(y);
    }
    let inked: Vec<usize> = (0..n).filter(|&c| tops[c] <= bottoms[c]).collect();
    if inked.len() < OVERREACH_MIN_COLUMNS {
        return false;
    }
    let median = |v: &[f64]| {
        let mut m: Vec<f64> = inked.iter().map(|&c| v[c]).collect();
        m.sort_by(f64::total_cmp);
        m[m.len() / 2]
    };
    let (top, bottom) = (median(&tops), median(&bottoms));
    // One grid step more: each column's ends are known to a step.
    let reach = OVERREACH * (bottom - top).max(2.0 * STRAY_STEP) + STRAY_STEP;
    // The longest stretch of inked columns that overreach (empty columns between them
    // neither break nor lengthen it).
    let (mut run, mut best) = (0usize, 0usize);
    for &c in &inked {
        run = if tops[c] < top - reach || bottoms[c] > bottom + reach {
            run + 1
        } else {
            0
        };
        best = best.max(run);
    }
    best as f64 * STRAY_STEP >= OVERREACH_MM
}

/// Whether a header line's profile down the line shows writing that its median band misses:
/// see [`TRAIL_ROWS`], [`VALLEY_ROWS`] and [`UNDERSTROKE_MM`]. A signature that covers most of a line's length moves
/// the band [`overreaches`] measures from; one that joins two lines doubles it.
fn trails(line: &Blob, points: &[(f64, f64)]) -> bool {
    let n = (line.paper.height() / STRAY_STEP) as usize + 1;
    let mut rows = vec![0usize; n];
    for &(_, y) in line.points_in(points) {
        rows[(((y - line.paper.y0) / STRAY_STEP).max(0.0) as usize).min(n - 1)] += 1;
    }
    let fullest = rows.iter().copied().max().unwrap_or(0) as f64;
    let body = |c: &usize| *c as f64 >= TRAIL_BODY * fullest;
    // A line has points, so its fullest row is a body row.
    let (Some(b0), Some(b1)) = (rows.iter().position(body), rows.iter().rposition(body)) else {
        return false;
    };
    // The longest run of sparse rows that hold ink: a row with none breaks a trail (a speck
    // of dust joined to the line below its descenders is not a stroke running off it).
    let longest = |rows: &[usize]| {
        rows.split(|&c| c == 0 || c as f64 >= TRAIL_SPARSE * fullest)
            .map(<[usize]>::len)
            .max()
            .unwrap_or(0)
    };
    let trail = TRAIL_ROWS.max((TRAIL_OF_BODY * (b1 - b0 + 1) as f64).ceil() as usize);
    let (top, bottom, valley) = (
        longest(&rows[..b0]),
        longest(&rows[b1 + 1..]),
        longest(&rows[b0..=b1]),
    );
    if top.max(bottom) >= trail || valley >= VALLEY_ROWS {
        return true;
    }
    // The inked rows under the body, but its first: (row, grid column) of their points.
    let under = rows[b1 + 1..].iter().take_while(|&&c| c > 0).count();
    let (r0, r1) = (b1 + 2, b1 + under);
    let mut cells: Vec<(usize, usize)> = Vec::new();
    for &(x, y) in line.points_in(points) {
        let r = (((y - line.paper.y0) / STRAY_STEP).max(0.0) as usize).min(n - 1);
        if (r0..=r1).contains(&r) {
            cells.push((r, ((x - line.paper.x0) / STRAY_STEP).max(0.0) as usize));
        }
    }
    cells.sort_unstable();
    let (mut run, mut longest_run) = (0usize, 0usize);
    for (i, &(r, c)) in cells.iter().enumerate() {
        run = match i.checked_sub(1).map(|j| cells[j]) {
            Some((pr, pc)) if pr == r && c - pc <= 2 => run + (c - pc),
            _ => 1,
        };
        longest_run = longest_run.max(run);
    }
    let body_mm = STRAY_STEP * (b1 - b0 + 1) as f64;
    // In grid points, with slack for rounding: 3.6 mm is 6 points, not 5.99.
    let steps = UNDERSTROKE_MM.max(UNDERSTROKE_OF_BODY * body_mm) / STRAY_STEP;
    longest_run as f64 >= steps - 1e-6
}

/// Whether two clusters share a top or a bottom (to a grid step): words of one line of
/// print, with or without capitals and descenders.
fn top_or_bottom(a: &Rect, b: &Rect) -> bool {
    let high = a.height().max(b.height());
    (a.y0 - b.y0).abs().min((a.y1 - b.y1).abs()) <= SAME_BAND * high + STRAY_STEP
}

/// Whether two clusters keep to exactly the same band, as one font's letters do.
fn same_band(a: &Rect, b: &Rect) -> bool {
    let high = a.height().max(b.height());
    (a.y0 - b.y0).abs().max((a.y1 - b.y1).abs()) <= SAME_BAND * high
}

/// Whether two clusters of a text zone are pieces of one printed line: side by side on one
/// line, and close (letters, words), or further apart on exactly the same band (one font:
/// a spaced dash, or thin letters lost under the ink cut, part them widely).
fn one_line(a: &Rect, b: &Rect) -> bool {
    let overlap = a.y1.min(b.y1) - a.y0.max(b.y0);
    let (low, high) = (a.height().min(b.height()), a.height().max(b.height()));
    let gap = (a.x0.max(b.x0) - a.x1.min(b.x1)).max(0.0);
    let reach = if same_band(a, b) { BAND_GAP } else { WORD_GAP };
    overlap >= 0.5 * low && gap <= reach * high
}

/// Whether two clusters of one line lie within a word gap of each other, or, further apart,
/// are joined on the image by ink the grid missed (print's thin letters at 150 dpi, walked
/// at full resolution from the right one's left edge). Blank paper wider than a word gap
/// parts writing written on after a printed line at the print's own height from that line.
/// A speck (both sides under two grid steps: dust, a full stop) stands a word gap of its
/// own height from a line: a speck of dust 8 mm before a title otherwise moved the title's
/// left edge onto another line's by chance. In a row's text set with word spaces only
/// (`row`) the word gap is narrower (`gap`): signatures and initials written on after a
/// name, at its height, sat 3-9 mm from it and joined it within the header's word gap.
fn bridged(a: &Rect, b: &Rect, row: bool, ink_from: &dyn Fn(&Rect, f64, f64) -> f64) -> bool {
    let (left, right) = if a.x0 <= b.x0 { (a, b) } else { (b, a) };
    let speck = |r: &Rect| r.width().max(r.height()) < 2.0 * STRAY_STEP;
    let word = if speck(a) || speck(b) {
        WORD_GAP * a.height().min(b.height()).max(STRAY_STEP)
    } else {
        gap(row, a.height().max(b.height()))
    };
    right.x0 - left.x1 <= word || ink_from(right, left.x1, word) - left.x1 <= word
}

/// The widest word space (mm) of a line `height` high: in a row's text set with word spaces
/// only (`row`), or elsewhere.
fn gap(row: bool, height: f64) -> f64 {
    if row {
        ROW_WORD_GAP_MM.max(ROW_WORD_GAP * height)
    } else {
        WORD_GAP * height
    }
}

/// Whether a text has a dash between spaces: " - ", an en or an em dash.
fn spaced_dash(text: &str) -> bool {
    [" - ", " \u{2013} ", " \u{2014} "]
        .iter()
        .any(|d| text.contains(d))
}

/// What decides which grid columns of an image row are sampled for stray ink: grid column
/// i lies at image x = x0 + step i.
#[derive(Clone, Copy)]
struct RowRuns<'a> {
    inv: &'a Inverse,
    /// The part of the paper searched.
    inside: &'a Rect,
    /// Print and halos, kept clear.
    obstacles: &'a [Rect],
    x_range: (u32, u32),
    step: f64,
    nx: usize,
}

impl RowRuns<'_> {
    /// The runs `i0..i1` of grid columns on image row `y` whose paper positions lie inside
    /// the searched part and clear of every obstacle. Paper coordinates are linear along an
    /// image row, so each rectangle's stretch is solved, not searched.
    fn find(&self, y: f64, blocked: &mut Vec<(usize, usize)>, runs: &mut Vec<(usize, usize)>) {
        runs.clear();
        let (x0, x1) = self.x_range;
        // Grid columns whose pixel lies within lo..=hi.
        let columns = |lo: u32, hi: u32| {
            let a = (f64::from(lo.saturating_sub(x0)) / self.step).ceil() as usize;
            let b = ((f64::from(hi) - f64::from(x0)) / self.step).floor() + 1.0;
            (a.min(self.nx), (b.max(0.0) as usize).min(self.nx))
        };
        let Some((lo, hi)) = self.inv.row_span(self.inside, y, x0, x1) else {
            return;
        };
        let (start, end) = columns(lo, hi);
        // The row's paper heights, to pass over obstacles it cannot meet.
        let (_, va) = self.inv.at(lo, y);
        let (_, vb) = self.inv.at(hi, y);
        let (vmin, vmax) = (va.min(vb), va.max(vb));
        blocked.clear();
        blocked.extend(
            self.obstacles
                .iter()
                .filter(|r| r.y1 >= vmin && r.y0 <= vmax)
                .filter_map(|r| self.inv.row_span(r, y, lo, hi))
                .map(|(a, b)| columns(a, b)),
        );
        blocked.sort_unstable();
        let mut i = start;
        for &(b0, b1) in blocked.iter() {
            if b0 > i {
                runs.push((i, b0.min(end)));
            }
            i = i.max(b1);
            if i >= end {
                break;
            }
        }
        if i < end {
            runs.push((i, end));
        }
        runs.retain(|(a, b)| a < b);
    }
}

/// The grid points of one grid row of a bilevel scan whose cells hold ink: black pixels
/// (under mid-grey) counted over each cell.
struct Pooled {
    /// The cell's side, px.
    side: usize,
    /// The runs of grid columns counted on this row (bare paper).
    runs: Vec<(usize, usize)>,
    /// Black pixels per image column over the cell's rows.
    columns: Vec<u8>,
    /// The grid columns whose cells hold ink on this row.
    hits: Vec<usize>,
}

/// Black pixels a cell needs to be ink: one alone is the threshold's noise.
const POOLED_MIN_BLACK: u32 = 2;

impl Pooled {
    fn new(step: f64, width: usize) -> Self {
        Pooled {
            // Under 256 rows, so a column's count fits its byte (a 10,800-dpi page would not).
            side: (step.ceil() as usize).clamp(1, 255),
            runs: Vec::new(),
            columns: vec![0; width],
            hits: Vec::new(),
        }
    }

    /// Counts the cells of `runs` on the grid row at image row `py`, each centred on its
    /// grid point (at pixel column `xs[i]`).
    fn count(&mut self, raw: &[u8], width: usize, height: usize, py: usize, xs: &[usize]) {
        self.hits.clear();
        let half = self.side / 2;
        let (y0, y1) = (py.saturating_sub(half), (py + self.side - half).min(height));
        for &(i0, i1) in &self.runs {
            let x0 = xs[i0].saturating_sub(half);
            let x1 = (xs[i1 - 1] + self.side - half).min(width);
            // Bare paper is nearly all white: a row of the run with no black pixel adds
            // nothing, and a run with none is left at 0.
            let white = |y: usize| all_have(&raw[y * width + x0..y * width + x1], 0x80);
            let mut inked = (y0..y1).filter(|&y| !white(y)).peekable();
            if inked.peek().is_none() {
                continue;
            }
            let cols = &mut self.columns[x0..x1];
            cols.fill(0);
            for y in inked {
                for (c, &v) in cols.iter_mut().zip(&raw[y * width + x0..y * width + x1]) {
                    *c += u8::from(v < 128);
                }
            }
            for (i, &x) in (i0..i1).zip(&xs[i0..i1]) {
                let (a, b) = (
                    x.saturating_sub(half).max(x0),
                    (x + self.side - half).min(x1),
                );
                let n: u32 = self.columns[a..b].iter().map(|&c| u32::from(c)).sum();
                if n >= POOLED_MIN_BLACK {
                    self.hits.push(i);
                }
            }
        }
    }
}

/// Connected clusters on the grid, joining cells up to two apart (pen strokes are thin and
/// the grid may step over part of them), with their bounds on the paper (`paper` maps a grid
/// point there).
fn clusters(
    ink: &mut [bool],
    inked: &[usize],
    nx: usize,
    ny: usize,
    points: &mut Vec<(f64, f64)>,
    paper: impl Fn(usize, usize) -> (f64, f64),
) -> Vec<Blob> {
    let mut out = Vec::new();
    let mut stack = Vec::new();
    // A point is cleared from `ink` as it joins a cluster.
    for &start in inked {
        if !ink[start] {
            continue;
        }
        ink[start] = false;
        stack.push(start);
        let first = points.len();
        let mut r = Rect::new(f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        while let Some(k) = stack.pop() {
            let (i, j) = (k % nx, k / nx);
            let (x, y) = paper(i, j);
            points.push((x, y));
            r = r.union(&Rect::new(x, y, x, y));
            // Neighbours two apart, clipped to the grid; rows are contiguous slices.
            let (i0, i1) = (i.saturating_sub(2), (i + 3).min(nx));
            for nj in j.saturating_sub(2)..(j + 3).min(ny) {
                let row = nj * nx;
                for (nk, p) in (row + i0..).zip(&mut ink[row + i0..row + i1]) {
                    if *p {
                        *p = false;
                        stack.push(nk);
                    }
                }
            }
        }
        // A point stands for the grid cell around it.
        let half = STRAY_STEP / 2.0;
        out.push(Blob {
            paper: r.inflate(half),
            parts: vec![(first, points.len())],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pencil_trailing_off_a_header_line_or_joining_two_is_writing() {
        // A header line whose rows (a grid step apart, from its top) hold these many points.
        fn profile(points: &mut Vec<(f64, f64)>, rows: &[usize]) -> Blob {
            let start = points.len();
            for (r, &n) in rows.iter().enumerate() {
                let y = 25.0 + STRAY_STEP * r as f64 + 0.1;
                // Three grid steps apart: no row holds a stroke (`UNDERSTROKE_MM`).
                points.extend((0..n).map(|i| (30.0 + 3.0 * STRAY_STEP * i as f64, y)));
            }
            let wide = 3.0 * rows.iter().copied().max().unwrap_or(1) as f64;
            let high = STRAY_STEP * rows.len() as f64 - 0.3;
            Blob {
                paper: Rect::new(30.0, 25.0, 30.0 + STRAY_STEP * wide, 25.0 + high),
                parts: vec![(start, points.len())],
            }
        }
        let mut points = Vec::new();
        // Measured on the independent renderer's papers (run 3 paper 329, run 4 paper 160)
        // and ours (hard 200-dpi G4, seed 94, paper 394).
        let cases: [(&[usize], bool, &str); 10] = [
            (&[18, 72, 134, 114, 123, 10, 0], false, "instructions"),
            (
                &[20, 60, 100, 100, 100, 100, 5, 5, 5, 5],
                false,
                "a 2.4 mm descender",
            ),
            (
                &[11, 35, 72, 142, 127, 115, 117, 118, 11, 3, 1, 0, 1],
                false,
                "dust below",
            ),
            (
                &[
                    16, 42, 34, 80, 131, 114, 113, 116, 106, 130, 73, 2, 8, 7, 3, 1, 2, 1,
                ],
                true,
                "a signature's loops under the title",
            ),
            (
                &[1, 2, 4, 2, 5, 12, 21, 55, 76, 64, 67, 36, 2, 1],
                true,
                "and over the area's name",
            ),
            (
                &[
                    5, 30, 42, 115, 108, 90, 97, 88, 4, 9, 4, 2, 2, 3, 1, 6, 17, 40, 35, 36, 46, 2,
                    0,
                ],
                true,
                "a title and the area's name joined",
            ),
            (
                &[
                    10, 100, 100, 100, 100, 100, 100, 100, 100, 100, 5, 5, 5, 5, 5,
                ],
                false,
                "5 rows under a 9-row body, which needs 6",
            ),
            (&[100, 100, 100, 5, 100, 100, 100], false, "one sparse row"),
            (
                &[100, 100, 100, 5, 5, 100, 100, 100],
                true,
                "a valley of two",
            ),
            (
                &[100, 100, 100, 100, 5, 5, 20, 5, 5, 5],
                false,
                "a row between sparse and body",
            ),
        ];
        for (rows, writing, what) in cases {
            let line = profile(&mut points, rows);
            assert_eq!(trails(&line, &points), writing, "{what}");
        }
    }

    #[test]
    fn a_stroke_under_a_header_line_is_writing() {
        // A header line's ink points as found on the grid ('#'), rows from its top.
        fn drawn(points: &mut Vec<(f64, f64)>, art: &[&str]) -> Blob {
            let start = points.len();
            for (r, row) in art.iter().enumerate() {
                for (c, _) in row.char_indices().filter(|&(_, ch)| ch == '#') {
                    let at = |i: usize| STRAY_STEP * i as f64 + 0.1;
                    points.push((30.0 + at(c), 25.0 + at(r)));
                }
            }
            let wide = art.iter().map(|r| r.len()).max().unwrap_or(1) as f64;
            Blob {
                paper: Rect::new(
                    30.0,
                    25.0,
                    30.0 + STRAY_STEP * wide,
                    25.0 + STRAY_STEP * art.len() as f64 - 0.3,
                ),
                parts: vec![(start, points.len())],
            }
        }
        let mut points = Vec::new();
        // Independent renderer, run 5, paper 318 (150-dpi grey): a grainy pencil signature's
        // loops under "West Central constituency"; its rows trail too little for a trail.
        let signed = [
            "                   ###                #",
            "##  # #       #  ##  # ##     #       #       ## ###    # # #             ## # #",
            " # ## ####### #  ##    ## ########### #  ############## ### ### ############## #",
            " ## # ## #### #   #    # ###### #   ### #### #  ##########################   ##",
            "  #  # #  # ####  #    #  # # # #  ## #   ## #  #### ############### ## ###  ##",
            "  #  # ########    #      # ### #  ## #    #    # ####################### ##  #",
            "      #   #  #                   #                 ##   #                   ##",
            "       #  # ###                   #       #     ### ####",
            "          ### ##                  #",
            "             #                    #",
        ];
        let line = drawn(&mut points, &signed);
        assert!(trails(&line, &points), "a signature's loops");
        // Run 4, paper 143: the title's "y", the widest descender print had (3 mm).
        let title = [
            "    ####   ###                                            ####",
            "    ####   ###                                           ###",
            "    ####  ####   ####  ##                          ###   ####",
            "    ##### ####  ###### #    ### #####  #####     ####### #####",
            "    ##### ####  ##  ## ###  ## ####### #####     ####### ###",
            "    ##########  ######  ## ### ###  ######       ##   ## ###",
            "    ####### ##  ######   # ##  ##   ######       ##   ##  ##",
            "    ### ### ## ### ###  #####  ##   ######       ##   ##  ##",
            "    ### ### ## ########  ####  ### ### ###       #######  ##",
            "    ### ### ##  ###  ##  ###   ####### ###        #####   ##",
            "                         ###     ###    #",
            "                       #####",
            "                        ###",
            "                         #",
        ];
        let line = drawn(&mut points, &title);
        assert!(!trails(&line, &points), "a title's descender");
        // Under a large title's 10-row body, 8 points (4.8 mm) in a row may be print: a
        // stroke must be 1.2 of the body's height (7.2 mm, 12 points) under it.
        for (under, writing) in [("   ########", false), ("   ############", true)] {
            let mut art = title.to_vec();
            art.push(under);
            let line = drawn(&mut points, &art);
            assert_eq!(trails(&line, &points), writing, "{under:?} under the title");
        }
        // A small line's body of 4 rows, and under it a row where letters' round bottoms
        // fall, which holds no stroke however long its run; on the next row a run of 6 grid
        // steps (3.6 mm, across gaps of a step) is a stroke, one of 5 is not.
        let body = "#### ### #### ### #### ### #### ### #### ###";
        let small = [body, body, body, body, " ######"];
        let line = drawn(&mut points, &small);
        assert!(!trails(&line, &points), "round bottoms");
        for (stroke, writing) in [
            ("   #####", false),
            ("   ## # #", true),
            ("   # #  #", false),
        ] {
            let mut art = small.to_vec();
            art.push(stroke);
            let line = drawn(&mut points, &art);
            assert_eq!(trails(&line, &points), writing, "{stroke:?}");
        }
    }

    #[test]
    fn initials_written_on_after_a_name_are_writing() {
        // Independent renderer, run 2, papers 389 and 554: initials 4.7-5 mm tall written
        // 1.5 mm after a candidate's name joined the name's printed line, which lines up
        // with the other rows' names; they were counted as print.
        let layout = ecount_election::PaperLayout::new(ecount_election::PaperKind::Constituency, 3);
        // One printed line from x0 to x1 with its top (x-height) at y: a capital every 7th
        // grid column, a descender every 9th, each column inked from top to bottom; and,
        // with initials, 6 mm of handwriting 1.2 mm after it, 4.8 mm tall on its baseline.
        fn line(points: &mut Vec<(f64, f64)>, x0: f64, x1: f64, y: f64, initials: bool) -> Blob {
            let start = points.len();
            let mut column = |x: f64, top: f64, bottom: f64| {
                let mut v = top;
                while v <= bottom + 1e-9 {
                    points.push((x, v));
                    v += STRAY_STEP;
                }
            };
            let n = ((x1 - x0) / STRAY_STEP) as usize;
            for i in 0..=n {
                let top = if i % 7 == 0 { y - 0.6 } else { y };
                let bottom = if i % 9 == 4 { y + 2.9 } else { y + 2.0 };
                column(x0 + STRAY_STEP * i as f64, top, bottom);
            }
            let (mut right, mut high) = (x1, y - 0.6);
            if initials {
                for i in 0..10 {
                    right = x1 + 1.2 + STRAY_STEP * i as f64;
                    column(right, y - 2.8, y + 2.0);
                }
                high = y - 2.8;
            }
            Blob {
                paper: Rect::new(x0, high, right, y + 2.9),
                parts: vec![(start, points.len())],
            }
        }
        let mut points = Vec::new();
        let mut blobs = |initials: bool| {
            [
                (60.0, 104.0, initials),
                (45.0, 110.0, false),
                (52.0, 122.0, false),
                (38.0, 128.0, false),
                (66.0, 140.0, false),
                (41.0, 146.0, false),
            ]
            .map(|(x1, y, initials)| line(&mut points, 20.0, x1, y, initials))
            .to_vec()
        };
        let (plain, signed) = (blobs(false), blobs(true));
        let reaches = |b: &Rect, _: f64, _: f64| b.x0;
        assert!(writing_in(&layout, plain, &points, &reaches).is_empty());
        let writing = writing_in(&layout, signed, &points, &reaches);
        assert_eq!(writing.len(), 1);
        assert!(writing[0].paper.x1 > 66.0);
    }

    /// The lines `not_print` calls writing, with no full-resolution joins to measure (the
    /// lines here are clusters of grid points, with no image behind them).
    fn writing_in(
        layout: &ecount_election::PaperLayout,
        lines: Vec<Blob>,
        points: &[(f64, f64)],
        ink_from: &dyn Fn(&Rect, f64, f64) -> f64,
    ) -> Vec<Blob> {
        not_print(
            layout,
            &[],
            lines,
            points,
            ink_from,
            &|_| None,
            [JOIN_MM, JOIN_FAINT_MM],
        )
    }

    /// A line of print inked solid over rectangle r, its points on the grid's pitch.
    fn solid_line(points: &mut Vec<(f64, f64)>, r: Rect) -> Blob {
        let start = points.len();
        let mut x = r.x0;
        while x <= r.x1 + 1e-9 {
            let mut y = r.y0;
            while y <= r.y1 + 1e-9 {
                points.push((x, y));
                y += STRAY_STEP;
            }
            x += STRAY_STEP;
        }
        Blob {
            paper: r,
            parts: vec![(start, points.len())],
        }
    }

    #[test]
    fn header_print_set_two_ways_is_print_and_initials_sharing_an_edge_by_chance_are_not() {
        // Independent renderer, runs 3 and 4: initials in the header's blank space shared an
        // edge with a printed line by chance and were counted. Here the title and the area
        // are centred and the instructions set left (a second block of print, also print).
        let layout = ecount_election::PaperLayout::new(ecount_election::PaperKind::Mayor, 3);
        let mut points = Vec::new();
        let mut solid = |x0, y0, x1, y1| solid_line(&mut points, Rect::new(x0, y0, x1, y1));
        let two_ways = vec![
            solid(50.0, 25.0, 160.0, 31.0),
            solid(70.0, 36.0, 140.0, 40.0),
            solid(22.0, 46.0, 150.0, 50.0),
            solid(22.0, 52.0, 120.0, 56.0),
        ];
        let centred = vec![
            solid(50.0, 25.0, 160.0, 31.0),
            solid(70.0, 36.0, 140.0, 40.0),
            solid(41.0, 46.0, 169.0, 50.0),
            solid(56.0, 52.0, 154.0, 56.0),
        ];
        // Initials sharing only the title's left edge.
        let initials = solid(50.4, 70.0, 60.0, 74.0);
        let after_area = solid(150.0, 36.0, 162.0, 40.0);
        let reaches = |b: &Rect, _: f64, _: f64| b.x0;
        for print in [&two_ways, &centred] {
            let found = writing_in(&layout, print.clone(), &points, &reaches);
            assert!(found.is_empty(), "{found:?}");
        }
        let mut signed = centred.clone();
        signed.push(initials.clone());
        let found = writing_in(&layout, signed, &points, &reaches);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].paper.y0, 70.0);
        // A name written on the area's band, 10 mm after it (independent renderer, run 4,
        // paper 372: "A. Patel" after "West Central"), is no piece of that line.
        let mut signed = centred;
        signed.push(after_area);
        let found = writing_in(&layout, signed, &points, &reaches);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].paper.x0, 150.0);
        // Set two ways, two lines each, the initials tip the count to the left edge and the
        // area's name stands out instead: the paper still goes to a person.
        let mut signed = two_ways;
        signed.push(initials);
        assert!(!writing_in(&layout, signed, &points, &reaches).is_empty());
    }

    #[test]
    fn a_speck_of_dust_before_the_title_does_not_move_its_edge() {
        // Independent renderer, run 5, paper 590: a speck 8 mm before a centred title joined
        // it, put its left edge on the instructions' by chance, and the area's name, centred
        // with them, was taken for writing.
        let layout = ecount_election::PaperLayout::new(ecount_election::PaperKind::LondonWide, 3);
        let mut points = Vec::new();
        let mut solid = |x0, y0, x1, y1| solid_line(&mut points, Rect::new(x0, y0, x1, y1));
        let header = vec![
            solid(52.3, 27.0, 52.9, 27.6),
            solid(60.0, 24.7, 151.5, 29.9),
            solid(80.4, 33.7, 129.8, 37.6),
            solid(50.7, 41.4, 158.2, 45.5),
        ];
        let blank = |b: &Rect, _: f64, _: f64| b.x0;
        let found = writing_in(&layout, header, &points, &blank);
        // Only the speck itself, which the size test drops.
        assert!(found.iter().all(|b| b.paper.width() < 1.0), "{found:?}");
    }

    #[test]
    fn initials_on_a_name_s_band_beyond_a_word_gap_are_writing() {
        // Independent renderer, run 4, paper 181: "L.CP", 4 mm tall, written 14 mm after a
        // candidate's name on the name's band, joined the name as a piece of its line (as a
        // word of thin letters the grid missed would) and was counted.
        let layout = ecount_election::PaperLayout::new(ecount_election::PaperKind::Constituency, 3);
        let mut points = Vec::new();
        let mut solid = |x0, y0, x1, y1| solid_line(&mut points, Rect::new(x0, y0, x1, y1));
        let rows = vec![
            solid(20.0, 104.0, 60.0, 108.0),
            solid(20.0, 110.0, 45.0, 114.0),
            solid(20.0, 122.0, 52.0, 126.0),
            solid(20.0, 128.0, 38.0, 132.0),
            solid(74.0, 104.0, 84.0, 108.0),
        ];
        // Blank paper between them: writing.
        let blank = |b: &Rect, _: f64, _: f64| b.x0;
        let found = writing_in(&layout, rows.clone(), &points, &blank);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].paper.x0, 74.0);
        // Faint print between them, reaching back to the name: one printed line.
        let print = |_: &Rect, to_x: f64, _: f64| to_x;
        assert!(writing_in(&layout, rows, &points, &print).is_empty());
    }

    #[test]
    fn a_row_s_words_are_a_word_space_apart_unless_its_text_has_a_spaced_dash() {
        // Independent renderer, runs 3-5: signatures and initials written 3-7 mm after a
        // name, at its height, lay within the header's word gap (1.5 line heights) and were
        // taken for the name's last word. A row's word spaces are a third of an em.
        // Run 6, paper 343: a fixed bilevel threshold erased the dash of "Britain First -
        // Putting British people first" and left 3.5 mm of blank paper; the words after it
        // were taken for writing. The row's text says there is a dash, on its second line
        // (the description); its first line (the name) keeps the narrow gap.
        let layout = ecount_election::PaperLayout::new(ecount_election::PaperKind::Constituency, 2);
        let mut points = Vec::new();
        let mut solid = |x0, y0, x1, y1| solid_line(&mut points, Rect::new(x0, y0, x1, y1));
        let rows = vec![
            // A name of two words, 1.8 mm apart.
            solid(20.0, 104.0, 38.0, 108.0),
            solid(39.8, 104.0, 50.0, 108.0),
            solid(20.0, 110.0, 41.0, 114.0),
            solid(44.5, 110.0, 90.0, 114.0),
            solid(20.0, 122.0, 52.0, 126.0),
            solid(20.0, 128.0, 38.0, 132.0),
        ];
        // A signature 4 mm after the name.
        let signature = solid(54.0, 103.5, 85.0, 108.5);
        let blank = |b: &Rect, _: f64, _: f64| b.x0;
        let joins = [JOIN_MM, JOIN_FAINT_MM];
        let read = |dashed: &[[bool; 2]], signed: bool| {
            let mut lines = rows.clone();
            if signed {
                lines.push(signature.clone());
            }
            not_print(&layout, dashed, lines, &points, &blank, &|_| None, joins)
        };
        let description = [[false, true], [false, false]];
        let none = [[false, false]; 2];
        assert!(read(&description, false).is_empty());
        for (dashed, signed, x0) in [
            (none, false, vec![44.5]),
            ([[true, false], [false, false]], false, vec![44.5]),
            (description, true, vec![54.0]),
            (none, true, vec![44.5, 54.0]),
        ] {
            let mut found: Vec<f64> = read(&dashed, signed).iter().map(|b| b.paper.x0).collect();
            found.sort_by(f64::total_cmp);
            assert_eq!(found, x0, "{dashed:?}, signed: {signed}");
        }
        assert!(spaced_dash("Britain First - Putting British people first"));
        assert!(!spaced_dash("Co-operative Party"));
    }
}
