//! Renders ballot papers exactly to `spec/ballot-paper.md`, draws voters' marks on them, passes
//! them through a scanner model, and says what each page should be read as.
//!
//! - [`paper`]: the printed paper, every coordinate from `ecount_election::PaperLayout`.
//! - [`marks`]: voters' marks (kinds, pens, hand-drawn strokes).
//! - [`scanner`]: skew, upside-down feed, scale, shift, border, light, blur, noise, bilevel,
//!   PNG / JPEG / CCITT G4 TIFF.
//! - [`plan`]: the mixes (clean, realistic, hard) and the statutory outcome of each case.
//! - [`truth`]: the ground truth written beside the scans.
//! - [`tree`]: whole scan-folder trees (one folder per ballot box) and the committed samples.
//!
//! Everything is deterministic: a page depends only on (election, seed, index, mix, options).
//! See docs/renderer.md.

pub mod canvas;
pub mod fold;
pub mod marks;
pub mod paper;
pub mod plan;
pub mod scanner;
pub mod text;
pub mod tree;
pub mod truth;

use canvas::{Canvas, Ink};
use ecount_election::{Election, Style};
use plan::{Case, Forced, Page, PagePlan};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use marks::{Instrument, Mark, MarkKind, Pen};
pub use scanner::ScanParams;
pub use tree::{write_sample_set, write_scan_tree};
pub use truth::{BatchSummary, Expected, TreeSummary, Truth, SUMMARY_FILE, TRUTH_FILE};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mix {
    /// One clear mark per contest, mostly pencil; no odd pages.
    Clean,
    /// Like London 2016: ~1.9% of Mayor papers rejected, ~15% without a second choice.
    Realistic,
    /// The difficult cases, concentrated.
    Hard,
}

impl Mix {
    pub fn name(self) -> &'static str {
        match self {
            Mix::Clean => "clean",
            Mix::Realistic => "realistic",
            Mix::Hard => "hard",
        }
    }
}

impl std::str::FromStr for Mix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "clean" => Ok(Mix::Clean),
            "realistic" => Ok(Mix::Realistic),
            "hard" => Ok(Mix::Hard),
            _ => Err(format!("unknown mix {s:?} (clean, realistic, hard)")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    Png,
    Jpeg,
    /// CCITT Group 4 bilevel TIFF.
    Tiff,
}

impl OutputFormat {
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Tiff => "tif",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Jpeg => "jpeg",
            OutputFormat::Tiff => "tiff",
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "png" => Ok(OutputFormat::Png),
            "jpeg" | "jpg" => Ok(OutputFormat::Jpeg),
            "tiff" | "tif" => Ok(OutputFormat::Tiff),
            _ => Err(format!("unknown format {s:?} (png, jpeg, tiff)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    pub dpi: u32,
    pub format: OutputFormat,
    /// Threshold to black and white (TIFF output always is).
    pub bilevel: bool,
    /// Fixed JPEG quality; `None` draws 60-95 per page.
    pub jpeg_quality: Option<u8>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            dpi: 200,
            format: OutputFormat::Jpeg,
            bilevel: false,
            jpeg_quality: None,
        }
    }
}

/// Lowest and highest resolution the generator accepts.
pub const DPI_RANGE: std::ops::RangeInclusive<u32> = 72..=600;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid options: {0}")]
    Options(String),
}

#[derive(Debug, Clone)]
pub struct GeneratedPaper {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub truth: Truth,
}

/// The planning and drawing streams of page `index`: independent of each other, so a page's
/// truth never depends on how it is drawn.
fn streams(seed: u64, index: u64) -> (ChaCha8Rng, ChaCha8Rng) {
    let mut plan = ChaCha8Rng::seed_from_u64(seed);
    plan.set_stream(index.wrapping_mul(2));
    let mut draw = ChaCha8Rng::seed_from_u64(seed);
    draw.set_stream(index.wrapping_mul(2).wrapping_add(1));
    (plan, draw)
}

fn checked(opts: &RenderOptions) -> RenderOptions {
    let mut o = opts.clone();
    o.dpi = o.dpi.clamp(*DPI_RANGE.start(), *DPI_RANGE.end());
    o
}

/// Generates page `index` of a run: any area, any kind. Deterministic: same args, same bytes.
pub fn generate_paper(
    election: &Election,
    seed: u64,
    index: u64,
    mix: Mix,
    opts: &RenderOptions,
) -> GeneratedPaper {
    generate_in(election, seed, index, mix, opts, None, "", None)
}

/// Only the truth of page `index` (no pixels): the same truth `generate_paper` returns.
pub fn paper_truth(
    election: &Election,
    seed: u64,
    index: u64,
    mix: Mix,
    opts: &RenderOptions,
) -> Truth {
    plan_truth(election, seed, index, mix, opts, None, "", None)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_truth(
    election: &Election,
    seed: u64,
    index: u64,
    mix: Mix,
    opts: &RenderOptions,
    area: Option<usize>,
    batch: &str,
    forced: Option<&Forced>,
) -> Truth {
    let opts = checked(opts);
    let (mut prng, _) = streams(seed, index);
    let mut plan = plan::plan_page(election, &mut prng, mix, &opts, area, forced);
    fold_paper(&mut plan, seed, index, mix, forced.is_some());
    truth_of(election, &plan, &file_name(index, &opts), batch)
}

/// A ballot paper's creases (see [`fold`]); none on the committed samples' chosen pages.
fn fold_paper(plan: &mut PagePlan, seed: u64, index: u64, mix: Mix, forced: bool) {
    if let (Page::Ballot(spec), false) = (&plan.page, forced) {
        plan.scan.creases = fold::plan(seed, index, mix, spec.layout.height);
    }
}

fn file_name(index: u64, opts: &RenderOptions) -> String {
    format!("p{index:06}.{}", opts.format.extension())
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn generate_in(
    election: &Election,
    seed: u64,
    index: u64,
    mix: Mix,
    opts: &RenderOptions,
    area: Option<usize>,
    batch: &str,
    forced: Option<&Forced>,
) -> GeneratedPaper {
    let opts = checked(opts);
    let (mut prng, mut drng) = streams(seed, index);
    let mut plan = plan::plan_page(election, &mut prng, mix, &opts, area, forced);
    fold_paper(&mut plan, seed, index, mix, forced.is_some());
    let name = file_name(index, &opts);
    let mut truth = truth_of(election, &plan, &name, batch);
    let (bytes, survived) = render(&plan, &mut drng);
    truth.survived = survived;
    GeneratedPaper {
        file_name: name,
        bytes,
        truth,
    }
}

fn truth_of(election: &Election, plan: &PagePlan, file: &str, batch: &str) -> Truth {
    let kind = plan.style.as_ref().map(|s| s.kind);
    let mut case = plan.case.name(kind).to_string();
    if plan.case == Case::Clean {
        if plan.scan.upside_down {
            case = "upside_down".into();
        } else if plan.scan.angle_deg.abs() >= 2.0 {
            case = "skewed".into();
        }
    }
    let style: Option<&Style> = plan.style.as_ref();
    Truth {
        file: file.to_string(),
        batch: batch.to_string(),
        style: style.map(|s| s.code),
        kind,
        area: style.map(|s| election.areas[s.area].id.clone()),
        contest: style.map(|s| election.contests[s.contest].id.clone()),
        case,
        intended: plan.intended.clone(),
        expected: plan.expected.clone(),
        expect_review: plan.expect_review,
        foreign_style: plan.foreign_style,
        marks: plan.marks.clone(),
        survived: Vec::new(),
        scan: plan.scan.clone(),
    }
}

/// Prints, marks, scans and encodes a planned page; on a bilevel scan, also how much of each
/// voting mark survived (see [`Truth::survived`]).
fn render(plan: &PagePlan, rng: &mut ChaCha8Rng) -> (Vec<u8>, Vec<Option<f32>>) {
    let channels = if plan.scan.colour { 3 } else { 1 };
    let mut canvas = match &plan.page {
        Page::Ballot(spec) => paper::print(spec, plan.scan.dpi, channels),
        Page::NotABallot { variant } => not_a_ballot(*variant, plan.scan.dpi, channels, rng),
    };
    let bilevel = plan.scan.bilevel_threshold.is_some();
    let mut inked: Vec<Option<Vec<(usize, usize)>>> = Vec::new();
    for m in &plan.marks {
        let zone = match (&plan.page, m.target) {
            (Page::Ballot(spec), Some((row, col))) if bilevel => spec
                .layout
                .voting_boxes()
                .into_iter()
                .find(|b| b.row == usize::from(row) && b.column == usize::from(col))
                .map(|b| b.mark_zone()),
            // A mark across two boxes, or writing: all of its ink (the square its size spans,
            // with room for the pen's wobble; print in it is already dark, so never counts).
            (Page::Ballot(_), None) if bilevel => {
                let half = 0.75 * m.size + 2.0;
                Some(ecount_election::layout::Rect::new(
                    m.x - half,
                    m.y - half,
                    m.x + half,
                    m.y + half,
                ))
            }
            _ => None,
        };
        let before = zone.map(|z| zone_pixels(&canvas, &z));
        marks::draw(&mut canvas, m, rng);
        inked.push(before.map(|before| {
            before
                .into_iter()
                .filter(|&(x, y, l)| l.saturating_sub(canvas.luma(x, y)) >= MARK_DROP)
                .map(|(x, y, _)| (x, y))
                .collect()
        }));
    }
    fold::draw(&mut canvas, &plan.scan.creases);
    let scan = scanner::scan(&canvas, &plan.scan, rng);
    let survived = if bilevel {
        let place = scanner::Placement::of(&canvas, &plan.scan);
        inked
            .iter()
            .map(|px| {
                let px = px.as_ref()?;
                let black = px
                    .iter()
                    .filter_map(|&(x, y)| place.to_output(x, y))
                    .filter(|&(u, v)| scan.data[(v * scan.width + u) * scan.channels] == 0)
                    .count();
                Some(black as f32 / px.len().max(1) as f32)
            })
            .collect()
    } else {
        Vec::new()
    };
    let bytes = scanner::encode(&scan, &plan.scan).unwrap_or_default();
    let bytes = if plan.corrupt {
        corrupt(bytes, rng)
    } else {
        bytes
    };
    (bytes, survived)
}

/// Darkening of the paper (grey levels) that makes a pixel part of a mark just drawn.
const MARK_DROP: u8 = 32;

/// Every pixel of `zone` (mm) on the canvas, with its grey level.
fn zone_pixels(c: &Canvas, zone: &ecount_election::layout::Rect) -> Vec<(usize, usize, u8)> {
    let k = c.px_per_mm;
    let span = |a: f64, b: f64, n: usize| {
        let lo = (a * k).ceil().max(0.0) as usize;
        let hi = ((b * k).floor().max(0.0) as usize).min(n);
        lo..hi
    };
    let (xs, ys) = (
        span(zone.x0, zone.x1, c.width),
        span(zone.y0, zone.y1, c.height),
    );
    ys.flat_map(|y| xs.clone().map(move |x| (x, y)))
        .map(|(x, y)| (x, y, c.luma(x, y)))
        .collect()
}

/// The printed paper of a style, unmarked and unscanned (8-bit grey), for tests and docs.
pub fn render_printed(election: &Election, style: &Style, dpi: u32) -> image::GrayImage {
    let c = paper::print(&paper::PrintSpec::for_style(election, style), dpi, 1);
    image::GrayImage::from_raw(c.width as u32, c.height as u32, c.data)
        .unwrap_or_else(|| image::GrayImage::new(1, 1))
}

/// An A4 page that is not a ballot paper: blank, photograph-like, or a typed letter.
fn not_a_ballot(variant: u8, dpi: u32, channels: usize, rng: &mut ChaCha8Rng) -> Canvas {
    let mut c = Canvas::new(210.0, 297.0, dpi, channels);
    match variant {
        0 => {}
        1 => {
            // Smooth tones at several scales, like an out-of-focus photograph.
            let seed: u32 = rng.gen();
            let tint: [f32; 3] = [
                rng.gen_range(0.7..1.0),
                rng.gen_range(0.7..1.0),
                rng.gen_range(0.7..1.0),
            ];
            let k = c.px_per_mm as f32;
            for y in 0..c.height {
                for x in 0..c.width {
                    let (u, v) = (x as f32 / k, y as f32 / k);
                    let n = 0.55 * canvas::value_noise(u / 40.0, v / 40.0, seed)
                        + 0.3 * canvas::value_noise(u / 12.0, v / 12.0, seed ^ 1)
                        + 0.15 * canvas::value_noise(u / 3.0, v / 3.0, seed ^ 2);
                    let l = 20.0 + 220.0 * n;
                    let at = (y * c.width + x) * channels;
                    for (d, t) in c.data[at..at + channels].iter_mut().zip(tint) {
                        *d = (l * t).clamp(0.0, 255.0) as u8;
                    }
                }
            }
        }
        _ => {
            const WORDS: &[&str] = &[
                "the",
                "council",
                "will",
                "collect",
                "your",
                "household",
                "waste",
                "on",
                "Tuesday",
                "and",
                "recycling",
                "every",
                "second",
                "week",
                "please",
                "ensure",
                "bins",
                "are",
                "out",
                "by",
                "seven",
                "in",
                "morning",
                "of",
                "collection",
                "day",
                "thank",
                "you",
                "for",
                "help",
            ];
            text::draw(
                &mut c,
                "Borough Services",
                text::Weight::Bold,
                7.0,
                25.0,
                30.0,
            );
            let mut y = 50.0;
            while y < 270.0 {
                let mut line = String::new();
                while line.len() < 70 {
                    line.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
                    line.push(' ');
                }
                text::draw(&mut c, line.trim_end(), text::Weight::Regular, 3.6, 25.0, y);
                y += if rng.gen_bool(0.15) { 12.0 } else { 6.0 };
            }
            let ink = Ink::BLACK;
            c.fill_rect(
                ecount_election::layout::Rect::new(25.0, 36.0, 185.0, 36.4),
                None,
                &ink,
            );
        }
    }
    c
}

/// Damages an encoded file so no decoder can read it: the format's magic survives, the rest
/// is cut short or replaced by bytes that contain no JPEG marker.
fn corrupt(bytes: Vec<u8>, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let keep = bytes.len().min(rng.gen_range(4..24));
    let mut out = bytes[..keep].to_vec();
    let garbage = rng.gen_range(500..4000);
    out.extend((0..garbage).map(|_| rng.gen_range(0..0xFFu8)));
    out
}
