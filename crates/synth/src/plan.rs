//! What happens to one page before any pixel is drawn: which paper, which case, which marks
//! where, with which pen, how the scanner treats it, and what the rules make of it. The mix
//! decides the rates. Everything here comes from the page's own planning stream, so a page's
//! truth can be had without rendering it.

use crate::marks::{Instrument, Mark, MarkKind, Pen};
use crate::paper::PrintSpec;
use crate::scanner::ScanParams;
use crate::truth::Expected;
use crate::{Mix, OutputFormat, RenderOptions};
use ecount_election::layout::{PaperLayout, BOX_SIZE, ROW_HEIGHT};
use ecount_election::{
    Election, PaperKind, RejectionHead, SecondChoice, SecondChoiceVoid, Style, StyleCode, Vote,
};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Case {
    Clean,
    NoSecond,
    Faint,
    SameTwice,
    SecondOnly,
    SecondTooMany,
    SecondUncertain,
    TooMany,
    Blank,
    Uncertain,
    BesideBox,
    Circle,
    Dot,
    CrossedOut,
    /// A pencil mark rubbed out: a ghost of it left in a box the voter did not choose.
    RubbedOut,
    StrayWriting,
    Digits,
    Foreign,
    NotABallot,
    Corrupt,
}

impl Case {
    pub fn name(self, kind: Option<PaperKind>) -> &'static str {
        match self {
            Case::Clean => "clean",
            Case::NoSecond => "no_second_choice",
            Case::Faint => "faint",
            Case::SameTwice => "same_candidate_twice",
            Case::SecondOnly => "second_only",
            Case::SecondTooMany => "second_too_many",
            Case::SecondUncertain => "second_uncertain",
            Case::TooMany if kind == Some(PaperKind::Mayor) => "too_many_first",
            Case::TooMany => "too_many",
            Case::Blank => "blank",
            Case::Uncertain => "uncertain",
            Case::BesideBox => "beside_box",
            Case::Circle => "circle_round_box",
            Case::Dot => "dot",
            Case::CrossedOut => "crossed_out",
            Case::RubbedOut => "rubbed_out",
            Case::StrayWriting => "stray_writing",
            Case::Digits => "digits",
            Case::Foreign => "foreign_election",
            Case::NotABallot => "not_a_ballot",
            Case::Corrupt => "corrupt",
        }
    }
}

/// What kind of page is printed.
#[derive(Debug, Clone)]
pub enum Page {
    Ballot(PrintSpec),
    /// Blank sheet, photograph-like, or a typed letter.
    NotABallot {
        variant: u8,
    },
}

/// The plan of one page.
#[derive(Debug, Clone)]
pub struct PagePlan {
    pub case: Case,
    pub page: Page,
    pub style: Option<Style>,
    pub foreign_style: Option<u16>,
    pub marks: Vec<Mark>,
    pub intended: Vec<Vec<u16>>,
    pub expected: Expected,
    pub expect_review: bool,
    pub scan: ScanParams,
    pub corrupt: bool,
}

/// Percent weights per case.
type Table = &'static [(Case, f64)];

const PAGE_REALISTIC: Table = &[
    (Case::Foreign, 0.05),
    (Case::NotABallot, 0.1),
    (Case::Corrupt, 0.05),
];
const PAGE_HARD: Table = &[
    (Case::Foreign, 2.0),
    (Case::NotABallot, 2.0),
    (Case::Corrupt, 1.5),
];

// London 2016: 1.88% of Mayor papers rejected (65% too many, 25% unmarked, 10% uncertain,
// 0.4% identifying mark); 14.7% of valid papers without a counted second choice.
const MAYOR_REALISTIC: Table = &[
    (Case::TooMany, 1.22),
    (Case::Blank, 0.40),
    (Case::SecondOnly, 0.07),
    (Case::Uncertain, 0.19),
    (Case::StrayWriting, 0.02),
    (Case::NoSecond, 14.5),
    (Case::SameTwice, 0.8),
    (Case::SecondTooMany, 0.06),
    (Case::SecondUncertain, 0.04),
    (Case::Faint, 3.0),
    (Case::BesideBox, 0.3),
    (Case::Circle, 0.15),
    (Case::Dot, 0.15),
    (Case::CrossedOut, 0.3),
    (Case::RubbedOut, 0.3),
    (Case::Digits, 0.8),
];
const SINGLE_REALISTIC: Table = &[
    (Case::Blank, 0.8),
    (Case::TooMany, 0.25),
    (Case::Uncertain, 0.06),
    (Case::StrayWriting, 0.02),
    (Case::Faint, 3.0),
    (Case::BesideBox, 0.3),
    (Case::Circle, 0.15),
    (Case::Dot, 0.15),
    (Case::CrossedOut, 0.3),
    (Case::RubbedOut, 0.3),
    (Case::Digits, 0.5),
];
const MAYOR_HARD: Table = &[
    (Case::NoSecond, 6.0),
    (Case::Faint, 10.0),
    (Case::TooMany, 8.0),
    (Case::Blank, 4.0),
    (Case::SecondOnly, 4.0),
    (Case::Uncertain, 5.0),
    (Case::StrayWriting, 4.0),
    (Case::SameTwice, 5.0),
    (Case::SecondTooMany, 4.0),
    (Case::SecondUncertain, 3.0),
    (Case::BesideBox, 6.0),
    (Case::Circle, 4.0),
    (Case::Dot, 4.0),
    (Case::CrossedOut, 6.0),
    (Case::RubbedOut, 4.0),
    (Case::Digits, 5.0),
];
const SINGLE_HARD: Table = &[
    (Case::Faint, 12.0),
    (Case::TooMany, 10.0),
    (Case::Blank, 6.0),
    (Case::Uncertain, 6.0),
    (Case::StrayWriting, 5.0),
    (Case::BesideBox, 8.0),
    (Case::Circle, 5.0),
    (Case::Dot, 5.0),
    (Case::CrossedOut, 8.0),
    (Case::RubbedOut, 4.0),
    (Case::Digits, 5.0),
];

/// Picks from a percent table; the rest of 100 is `Case::Clean`.
fn pick(rng: &mut ChaCha8Rng, table: Table) -> Case {
    let mut r = rng.gen_range(0.0..100.0);
    for &(c, w) in table {
        if r < w {
            return c;
        }
        r -= w;
    }
    Case::Clean
}

fn pick_weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|i| i.1).sum();
    let mut r = rng.gen_range(0.0..total);
    for &(t, w) in items {
        if r < w {
            return t;
        }
        r -= w;
    }
    items[items.len() - 1].0
}

/// The demonstration election, printed as "another election's paper".
fn foreign_election() -> Option<Election> {
    static DEMO: &str = include_str!("../../../elections/demo.toml");
    Election::parse(DEMO, false, std::path::Path::new("elections/demo.toml")).ok()
}

/// A page made to order (for the committed sample set): the case, and optionally the paper
/// kind, the voter's instrument and the scanner's skew and feed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forced {
    pub case: Case,
    pub kind: Option<PaperKind>,
    pub instrument: Option<Instrument>,
    pub upside_down: Option<bool>,
    pub angle_deg: Option<f64>,
}

impl Forced {
    pub fn case(case: Case) -> Self {
        Forced {
            case,
            kind: None,
            instrument: None,
            upside_down: None,
            angle_deg: None,
        }
    }
}

/// Plans one page; `area` fixes the ballot box's area (else one is drawn).
pub fn plan_page(
    election: &Election,
    rng: &mut ChaCha8Rng,
    mix: Mix,
    opts: &RenderOptions,
    area: Option<usize>,
    forced: Option<&Forced>,
) -> PagePlan {
    let area = area.unwrap_or_else(|| rng.gen_range(0..election.areas.len().max(1)));
    let page_case = match forced.map(|f| f.case) {
        Some(c @ (Case::Foreign | Case::NotABallot | Case::Corrupt)) => Some(c),
        Some(_) => None,
        None => match mix {
            Mix::Clean => None,
            Mix::Realistic => Some(pick(rng, PAGE_REALISTIC)).filter(|c| *c != Case::Clean),
            Mix::Hard => Some(pick(rng, PAGE_HARD)).filter(|c| *c != Case::Clean),
        },
    };
    let mut scan = plan_scan(rng, mix, opts);
    if let Some(f) = forced {
        scan.upside_down = f.upside_down.unwrap_or(scan.upside_down);
        scan.angle_deg = f.angle_deg.unwrap_or(scan.angle_deg);
    }
    let instrument = forced.and_then(|f| f.instrument);
    match page_case {
        Some(Case::NotABallot) => {
            return PagePlan {
                case: Case::NotABallot,
                page: Page::NotABallot {
                    variant: rng.gen_range(0..3),
                },
                style: None,
                foreign_style: None,
                marks: vec![],
                intended: vec![],
                expected: Expected::SetAside {
                    outcome: "not_a_ballot".into(),
                },
                expect_review: false,
                scan,
                corrupt: false,
            }
        }
        Some(Case::Foreign) => {
            if let Some(p) = plan_foreign(election, rng, mix, scan.clone(), instrument) {
                return p;
            }
        }
        _ => {}
    }
    let styles: Vec<&Style> = election.styles.iter().filter(|s| s.area == area).collect();
    let styles: Vec<&Style> = match forced.and_then(|f| f.kind) {
        Some(k) if styles.iter().any(|s| s.kind == k) => {
            styles.into_iter().filter(|s| s.kind == k).collect()
        }
        _ if styles.is_empty() => election.styles.iter().collect(),
        _ => styles,
    };
    let Some(&style) = styles.choose(rng) else {
        // An election with no styles: only non-ballots can be made.
        return PagePlan {
            case: Case::NotABallot,
            page: Page::NotABallot { variant: 0 },
            style: None,
            foreign_style: None,
            marks: vec![],
            intended: vec![],
            expected: Expected::SetAside {
                outcome: "not_a_ballot".into(),
            },
            expect_review: false,
            scan,
            corrupt: false,
        };
    };
    let spec = PrintSpec::for_style(election, style);
    let case = match forced.map(|f| f.case) {
        Some(c) if !matches!(c, Case::Foreign | Case::NotABallot | Case::Corrupt) => c,
        _ => pick_case(rng, mix, style.kind),
    };
    let voter = plan_voter(rng, mix, &spec.layout, case, instrument);
    let corrupt = page_case == Some(Case::Corrupt);
    PagePlan {
        case: if corrupt { Case::Corrupt } else { voter.case },
        page: Page::Ballot(spec),
        style: Some(style.clone()),
        foreign_style: None,
        marks: voter.marks,
        intended: voter.intended,
        expected: if corrupt {
            Expected::SetAside {
                outcome: "decode_failed".into(),
            }
        } else {
            Expected::Vote(voter.vote)
        },
        expect_review: !corrupt && voter.review,
        scan,
        corrupt,
    }
}

fn pick_case(rng: &mut ChaCha8Rng, mix: Mix, kind: PaperKind) -> Case {
    let mayor = kind == PaperKind::Mayor;
    match (mix, mayor) {
        (Mix::Clean, _) => Case::Clean,
        (Mix::Realistic, true) => pick(rng, MAYOR_REALISTIC),
        (Mix::Realistic, false) => pick(rng, SINGLE_REALISTIC),
        (Mix::Hard, true) => pick(rng, MAYOR_HARD),
        (Mix::Hard, false) => pick(rng, SINGLE_HARD),
    }
}

fn plan_foreign(
    election: &Election,
    rng: &mut ChaCha8Rng,
    mix: Mix,
    scan: ScanParams,
    instrument: Option<Instrument>,
) -> Option<PagePlan> {
    let demo = foreign_election()?;
    let style = demo.styles.choose(rng)?.clone();
    let mut spec = PrintSpec::for_style(&demo, &style);
    // If this election happens to use the demo's codes, print an area number it does not use.
    if election.style(spec.code).is_some() {
        let kind = spec.layout.kind;
        let free = (1..=255u8)
            .rev()
            .find(|&a| election.style(StyleCode::new(kind, a)).is_none())?;
        spec.code = StyleCode::new(kind, free);
    }
    let code = spec.code.0;
    let voter = plan_voter(rng, mix, &spec.layout, Case::Clean, instrument);
    Some(PagePlan {
        case: Case::Foreign,
        page: Page::Ballot(spec),
        style: None,
        foreign_style: Some(code),
        marks: voter.marks,
        intended: voter.intended,
        expected: Expected::OfficialMarkReview,
        expect_review: true,
        scan,
        corrupt: false,
    })
}

fn plan_scan(rng: &mut ChaCha8Rng, mix: Mix, opts: &RenderOptions) -> ScanParams {
    let angle = match mix {
        Mix::Clean => (normal(rng) * 0.6).clamp(-1.5, 1.5),
        Mix::Realistic => (normal(rng) * 1.1).clamp(-3.0, 3.0),
        Mix::Hard => rng.gen_range(-3.0..3.0),
    };
    let upside_down = rng.gen_bool(match mix {
        Mix::Clean => 0.03,
        Mix::Realistic => 0.08,
        Mix::Hard => 0.25,
    });
    let scale = match mix {
        Mix::Clean => rng.gen_range(0.99..1.01),
        _ => rng.gen_range(0.97..1.03),
    };
    let max_margin = if mix == Mix::Clean { 8.0 } else { 20.0 };
    let margins = [0; 4].map(|_| {
        if rng.gen_bool(0.15) {
            0.0
        } else {
            rng.gen_range(0.0..max_margin)
        }
    });
    let background = match rng.gen_range(0..10) {
        0..=3 => rng.gen_range(225..=255),
        4..=6 => rng.gen_range(90..190),
        _ => rng.gen_range(0..45),
    };
    let (paper_white, print_black, uneven, blur, noise) = match mix {
        Mix::Clean => (
            rng.gen_range(232..=252),
            rng.gen_range(8..35),
            rng.gen_range(0.0..0.05),
            rng.gen_range(0.3..0.8),
            rng.gen_range(0.5..3.0),
        ),
        Mix::Realistic => (
            rng.gen_range(220..=252),
            rng.gen_range(5..45),
            rng.gen_range(0.0..0.1),
            rng.gen_range(0.3..1.0),
            rng.gen_range(0.5..5.0),
        ),
        Mix::Hard => (
            rng.gen_range(200..=245),
            rng.gen_range(15..70),
            rng.gen_range(0.05..0.18),
            rng.gen_range(0.5..1.3),
            rng.gen_range(2.0..8.0),
        ),
    };
    let bilevel = opts.bilevel || opts.format == OutputFormat::Tiff;
    let colour = !bilevel && rng.gen_bool(if mix == Mix::Hard { 0.3 } else { 0.12 });
    // A bilevel scanner set up for pencil ballots: shading-corrected (the scanner model skips
    // uneven light when thresholding), then cut at 78-86% of its paper white, where a light
    // pencil line survives broken up and a faint one partly.
    let threshold = {
        let t = f64::from(paper_white) * rng.gen_range(0.78..0.86f64);
        Some(t.max(100.0) as u8).filter(|_| bilevel)
    };
    let jpeg_quality = opts.jpeg_quality.or(Some(rng.gen_range(60..=95)));
    ScanParams {
        angle_deg: angle,
        upside_down,
        scale,
        margins_mm: margins,
        background,
        paper_white,
        print_black,
        uneven,
        blur_px: blur,
        noise,
        colour,
        bilevel_threshold: threshold,
        format: opts.format,
        jpeg_quality: (opts.format == OutputFormat::Jpeg)
            .then_some(jpeg_quality)
            .flatten(),
        dpi: opts.dpi,
        dust: match mix {
            Mix::Clean => 0,
            Mix::Realistic => DUST_REALISTIC,
            Mix::Hard => DUST_HARD,
        },
        creases: Vec::new(),
    }
}

/// Most specks of dust a page picks up on the glass: a handful on a kept scanner, dozens on
/// a dusty one (the independent renderer's heavy dust: 10-40 specks).
const DUST_REALISTIC: u32 = 6;
const DUST_HARD: u32 = 40;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller.
    let u1: f64 = rng.gen_range(1e-9..1.0);
    let u2: f64 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

struct Voter {
    case: Case,
    marks: Vec<Mark>,
    intended: Vec<Vec<u16>>,
    vote: Vote,
    review: bool,
}

fn instrument(rng: &mut ChaCha8Rng, mix: Mix) -> Instrument {
    let w = match mix {
        Mix::Clean => [85.0, 8.0, 5.0, 2.0],
        Mix::Realistic => [80.0, 9.0, 7.0, 4.0],
        Mix::Hard => [55.0, 15.0, 15.0, 15.0],
    };
    pick_weighted(
        rng,
        &[
            (Instrument::Pencil, w[0]),
            (Instrument::BlackBallpoint, w[1]),
            (Instrument::BlueBallpoint, w[2]),
            (Instrument::FeltPen, w[3]),
        ],
    )
}

fn mark_kind(rng: &mut ChaCha8Rng, mix: Mix) -> MarkKind {
    let w: &[(MarkKind, f64)] = match mix {
        Mix::Clean => &[
            (MarkKind::Cross, 85.0),
            (MarkKind::Tick, 10.0),
            (MarkKind::Stroke, 5.0),
        ],
        Mix::Realistic => &[
            (MarkKind::Cross, 78.0),
            (MarkKind::Tick, 11.0),
            (MarkKind::Stroke, 4.0),
            (MarkKind::Filled, 3.0),
            (MarkKind::Scribble, 2.0),
        ],
        Mix::Hard => &[
            (MarkKind::Cross, 45.0),
            (MarkKind::Tick, 18.0),
            (MarkKind::Stroke, 12.0),
            (MarkKind::Filled, 12.0),
            (MarkKind::Scribble, 13.0),
        ],
    };
    pick_weighted(rng, w)
}

/// A clear mark of `kind` in box (row, col): size and position jittered, possibly crossing
/// the outline but never reaching a neighbour's halo.
fn in_box(
    rng: &mut ChaCha8Rng,
    l: &PaperLayout,
    row: usize,
    col: usize,
    kind: MarkKind,
    pen: Pen,
    mix: Mix,
) -> Mark {
    let b = l.voting_box(row, col).outer;
    let c = b.centre();
    let (lo, hi) = match mix {
        Mix::Clean => (0.55, 1.1),
        _ => (0.5, 1.3),
    };
    let size = match kind {
        MarkKind::Filled => BOX_SIZE * rng.gen_range(0.75..0.95),
        MarkKind::Scribble => BOX_SIZE * rng.gen_range(0.5..0.85),
        MarkKind::Stroke => BOX_SIZE * rng.gen_range(0.6..1.1),
        MarkKind::Digit1 | MarkKind::Digit2 => BOX_SIZE * rng.gen_range(0.5..0.8),
        _ => BOX_SIZE * rng.gen_range(lo..hi),
    };
    // Keep the mark's reach within 2.5 mm outside the outline (the halo is 3).
    let slack = (BOX_SIZE / 2.0 + 2.0 - size * 0.6).clamp(0.2, 2.0);
    Mark {
        kind,
        pen,
        x: c.x + rng.gen_range(-slack..slack),
        y: c.y + rng.gen_range(-slack..slack),
        size,
        angle: rng.gen_range(-12.0..12.0),
        target: Some((row as u16, col as u8)),
    }
}

/// A clear mark of the mix's usual kinds in box (row, col).
/// What an eraser leaves of a pencil line: 15-30% of its darkness, smeared wider and
/// patchy.
fn rubbed(rng: &mut ChaCha8Rng, pen: Pen) -> Pen {
    let keep = rng.gen_range(0.15..0.30);
    Pen {
        rgb: pen.rgb.map(|c| 255 - (keep * f64::from(255 - c)) as u8),
        width_mm: pen.width_mm * rng.gen_range(1.5..2.5),
        grain: pen.grain.max(0.5),
        breaks: pen.breaks.max(0.1),
        ..pen
    }
}

fn any_box(
    rng: &mut ChaCha8Rng,
    l: &PaperLayout,
    row: usize,
    col: usize,
    pen: Pen,
    mix: Mix,
) -> Mark {
    let kind = mark_kind(rng, mix);
    in_box(rng, l, row, col, kind, pen, mix)
}

fn plan_voter(
    rng: &mut ChaCha8Rng,
    mix: Mix,
    l: &PaperLayout,
    case: Case,
    forced_instrument: Option<Instrument>,
) -> Voter {
    let n = l.options;
    let mayor = l.kind == PaperKind::Mayor;
    // Cases that need two or more options fall back to clean on a one-option paper.
    let page_level = matches!(case, Case::Foreign | Case::NotABallot | Case::Corrupt);
    let needs_two = !matches!(
        case,
        Case::Clean | Case::Blank | Case::Faint | Case::StrayWriting
    );
    let needs_mayor = matches!(
        case,
        Case::NoSecond
            | Case::SameTwice
            | Case::SecondOnly
            | Case::SecondTooMany
            | Case::SecondUncertain
    );
    let case = if page_level || (n < 2 && needs_two) || (!mayor && needs_mayor) {
        Case::Clean
    } else {
        case
    };
    let inst = if matches!(case, Case::Faint | Case::RubbedOut) {
        Instrument::Pencil
    } else {
        let drawn = instrument(rng, mix);
        forced_instrument.unwrap_or(drawn)
    };
    let pen = Pen::sample(rng, inst, case == Case::Faint);
    let a = rng.gen_range(0..n.max(1));
    let other = |rng: &mut ChaCha8Rng, not: &[usize]| -> usize {
        let free: Vec<usize> = (0..n).filter(|i| !not.contains(i)).collect();
        free.choose(rng).copied().unwrap_or(0)
    };
    let b = other(rng, &[a]);
    let mut marks = Vec::new();
    let mut review = false;
    let vote;
    let mut intended: Vec<Vec<u16>> = vec![vec![]; l.kind.columns()];
    let mk = |rng: &mut ChaCha8Rng| mark_kind(rng, mix);
    let valid = |first: usize, second: Option<SecondChoice>| {
        if mayor {
            Vote::Supplementary {
                first: first as u16,
                second: second.unwrap_or(SecondChoice::NotCounted(SecondChoiceVoid::Unmarked)),
            }
        } else {
            Vote::Single {
                option: first as u16,
            }
        }
    };
    // A mark of an unusual kind for the voter's choice `a` (column 0), in or near its box.
    let odd_mark = |rng: &mut ChaCha8Rng, case: Case| -> Vec<Mark> {
        let bx = l.voting_box(a, 0).outer;
        let c = bx.centre();
        let angle = rng.gen_range(-12.0..12.0);
        let base = |kind, x, y, size| Mark {
            kind,
            pen,
            x,
            y,
            size,
            angle,
            target: Some((a as u16, 0)),
        };
        match case {
            Case::BesideBox => {
                let kind = if rng.gen_bool(0.7) {
                    MarkKind::Cross
                } else {
                    MarkKind::Tick
                };
                let size = rng.gen_range(3.5..6.0);
                let right = mayor && rng.gen_bool(0.3);
                let off = rng.gen_range(3.6..5.4);
                let x = if right { bx.x1 + off } else { bx.x0 - off };
                let y = c.y + rng.gen_range(-2.0..2.0);
                vec![base(kind, x, y, size)]
            }
            Case::Circle => vec![base(
                MarkKind::Circle,
                c.x + rng.gen_range(-0.2..0.2),
                c.y + rng.gen_range(-0.2..0.2),
                rng.gen_range(8.55..8.75),
            )],
            Case::Dot => vec![base(
                MarkKind::Dot,
                c.x + rng.gen_range(-2.5..2.5),
                c.y + rng.gen_range(-2.5..2.5),
                rng.gen_range(0.8..1.6),
            )],
            Case::CrossedOut => {
                let x = other(rng, &[a, b]);
                let first = any_box(rng, l, x, 0, pen, mix);
                let mut cancel = in_box(rng, l, x, 0, MarkKind::CrossOut, pen, mix);
                cancel.x = first.x;
                cancel.y = first.y;
                cancel.size = rng.gen_range(10.0..12.5);
                let chosen = any_box(rng, l, a, 0, pen, mix);
                vec![first, cancel, chosen]
            }
            _ => vec![any_box(rng, l, a, 0, pen, mix)],
        }
    };
    // An ambiguous mark straddling rows r and r+1 of a column.
    let straddle = |rng: &mut ChaCha8Rng, col: usize| -> (Mark, usize) {
        let r = rng.gen_range(0..n - 1);
        let b1 = l.voting_box(r, col).outer;
        let gap_y = b1.y1 + (ROW_HEIGHT - BOX_SIZE) / 2.0;
        let m = Mark {
            kind: if rng.gen_bool(0.7) {
                MarkKind::Cross
            } else {
                MarkKind::Tick
            },
            pen,
            x: b1.centre().x + rng.gen_range(-1.0..1.0),
            y: gap_y + rng.gen_range(-1.0..1.0),
            size: rng.gen_range(15.0..19.0),
            angle: rng.gen_range(-10.0..10.0),
            target: None,
        };
        (m, r)
    };
    match case {
        Case::Clean
        | Case::Faint
        | Case::Digits
        | Case::StrayWriting
        | Case::NoSecond
        | Case::Foreign
        | Case::NotABallot
        | Case::Corrupt => {
            let digits = case == Case::Digits;
            let k1 = if digits { MarkKind::Digit1 } else { mk(rng) };
            marks.push(in_box(rng, l, a, 0, k1, pen, mix));
            intended[0].push(a as u16);
            // A one-candidate Mayor paper has no different second choice to make.
            let with_second = n >= 2
                && mayor
                && case != Case::NoSecond
                && !(case == Case::Faint && rng.gen_bool(0.15));
            if with_second {
                let k2 = if digits { MarkKind::Digit2 } else { mk(rng) };
                marks.push(in_box(rng, l, b, 1, k2, pen, mix));
                intended[1].push(b as u16);
            }
            let second = with_second.then_some(SecondChoice::Counted(b as u16));
            vote = if case == Case::StrayWriting {
                review = true;
                marks.push(signature(rng, l, pen));
                Vote::Rejected {
                    head: RejectionHead::IdentifyingMark,
                }
            } else {
                valid(a, second)
            };
        }
        Case::BesideBox | Case::Circle | Case::Dot | Case::CrossedOut => {
            marks.extend(odd_mark(rng, case));
            intended[0].push(a as u16);
            let second = if mayor {
                marks.push(any_box(rng, l, b, 1, pen, mix));
                intended[1].push(b as u16);
                Some(SecondChoice::Counted(b as u16))
            } else {
                None
            };
            review = true;
            vote = valid(a, second);
        }
        Case::RubbedOut => {
            // The voter marked one box, thought better of it and rubbed it out: a second
            // choice withdrawn, or a choice changed for another.
            let withdrawn = mayor && rng.gen_bool(0.5);
            let (row, col) = if withdrawn {
                (b, 1)
            } else {
                (other(rng, &[a]), 0)
            };
            let ghost_pen = rubbed(rng, pen);
            let mut ghost = any_box(rng, l, row, col, ghost_pen, mix);
            ghost.target = None;
            marks.push(ghost);
            marks.push(any_box(rng, l, a, 0, pen, mix));
            intended[0].push(a as u16);
            let second = (mayor && !withdrawn).then(|| {
                marks.push(any_box(rng, l, b, 1, pen, mix));
                intended[1].push(b as u16);
                SecondChoice::Counted(b as u16)
            });
            review = true;
            vote = valid(a, second);
        }
        Case::SameTwice => {
            marks.push(any_box(rng, l, a, 0, pen, mix));
            marks.push(any_box(rng, l, a, 1, pen, mix));
            intended = vec![vec![a as u16], vec![a as u16]];
            review = true;
            vote = valid(
                a,
                Some(SecondChoice::NotCounted(SecondChoiceVoid::SameAsFirst)),
            );
        }
        Case::SecondOnly => {
            marks.push(any_box(rng, l, b, 1, pen, mix));
            intended[1].push(b as u16);
            review = true;
            vote = Vote::Rejected {
                head: RejectionHead::Unmarked,
            };
        }
        Case::SecondTooMany => {
            let c = other(rng, &[a, b]);
            marks.push(any_box(rng, l, a, 0, pen, mix));
            marks.push(any_box(rng, l, b, 1, pen, mix));
            marks.push(any_box(rng, l, c, 1, pen, mix));
            intended = vec![vec![a as u16], vec![b as u16, c as u16]];
            review = true;
            vote = valid(a, Some(SecondChoice::NotCounted(SecondChoiceVoid::TooMany)));
        }
        Case::SecondUncertain => {
            marks.push(any_box(rng, l, a, 0, pen, mix));
            let (m, r) = straddle(rng, 1);
            marks.push(m);
            intended = vec![vec![a as u16], vec![r as u16, r as u16 + 1]];
            review = true;
            vote = valid(
                a,
                Some(SecondChoice::NotCounted(SecondChoiceVoid::Uncertain)),
            );
        }
        Case::TooMany => {
            marks.push(any_box(rng, l, a, 0, pen, mix));
            marks.push(any_box(rng, l, b, 0, pen, mix));
            intended[0] = vec![a as u16, b as u16];
            if mayor && rng.gen_bool(0.6) {
                let c = rng.gen_range(0..n);
                marks.push(any_box(rng, l, c, 1, pen, mix));
                intended[1].push(c as u16);
            }
            review = true;
            vote = Vote::Rejected {
                head: RejectionHead::TooMany,
            };
        }
        Case::Blank => {
            review = true;
            vote = Vote::Rejected {
                head: RejectionHead::Unmarked,
            };
        }
        Case::Uncertain => {
            let (m, r) = straddle(rng, 0);
            marks.push(m);
            intended[0] = vec![r as u16, r as u16 + 1];
            review = true;
            vote = Vote::Rejected {
                head: RejectionHead::Uncertain,
            };
        }
    }
    Voter {
        case,
        marks,
        intended,
        vote,
        review,
    }
}

/// A signature-like scrawl in the blank band below the table or above the header, clear of
/// every printed element, fiducial quiet zone and halo.
fn signature(rng: &mut ChaCha8Rng, l: &PaperLayout, pen: Pen) -> Mark {
    let width = rng.gen_range(25.0..55.0);
    let table_bottom = l.row(l.options.saturating_sub(1)).y1;
    let (x_lo, x_hi) = (23.0 + width / 2.0, 187.0 - width / 2.0);
    let x = rng.gen_range(x_lo..x_hi);
    let y = if rng.gen_bool(0.6) {
        table_bottom + rng.gen_range(7.5..8.5)
    } else {
        rng.gen_range(10.0..13.0)
    };
    Mark {
        kind: MarkKind::Signature,
        pen,
        x,
        y,
        size: width,
        angle: rng.gen_range(-2.5..2.5),
        target: None,
    }
}
