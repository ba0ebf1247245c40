//! Stage 3: decide which way up the paper is and read its style code from the strip.

use crate::reading::{Transform, Unreadable};
use crate::register::Registered;
use ecount_election::code::STRIP_CELLS;
use ecount_election::layout::{PaperLayout, Rect, ROW_HEIGHT, ROW_TOP};
use ecount_election::{Election, PaperKind, Style, StyleCode};

/// A strip cell reads as printed when its core is at least this dark (0 = paper, 1 = print).
const CELL_DARK: f64 = 0.5;
/// Inset of the sampled core from each cell edge, mm: keeps registration error out.
const CELL_INSET: f64 = 0.7;
/// The measured paper height may differ from the style's by this much (mm) before the paper
/// is called the wrong shape. Neighbouring option counts differ by 18 mm.
const HEIGHT_TOLERANCE: f64 = 4.0;

/// A registered page whose style is known.
#[derive(Clone)]
pub struct Identified<'a, 'e> {
    pub registered: Registered<'a>,
    pub style: &'e Style,
    /// The contest the style prints: its options' texts are the rows' print.
    pub contest: &'e ecount_election::Contest,
    pub layout: PaperLayout,
    pub transform: Transform,
    pub upside_down: bool,
    pub residual_mm: f64,
}

pub fn identify<'a, 'e>(
    registered: Registered<'a>,
    election: &'e Election,
) -> Result<Identified<'a, 'e>, Unreadable> {
    let mut best_printed = (0usize, false);
    let mut decoded = None;
    for upside_down in [false, true] {
        let (tf, _) = registered.transform(registered.height_mm, upside_down);
        let darkness = strip_darkness(&registered, &tf, registered.height_mm);
        let bits: [bool; STRIP_CELLS] = std::array::from_fn(|i| darkness[i] > CELL_DARK);
        let printed = bits.iter().filter(|&&b| b).count();
        if printed > best_printed.0 {
            best_printed = (printed, upside_down);
        }
        if let Some(code) = StyleCode::from_strip_bits(&bits) {
            decoded = Some((code, upside_down));
            break;
        }
    }
    let Some((code, upside_down)) = decoded else {
        return Err(unreadable_strip(&registered, best_printed.1));
    };
    let style = election
        .style(code)
        .ok_or(Unreadable::StyleUnknown { code: code.0 })?;
    let layout = election.layout(style);
    if (registered.height_mm - layout.height).abs() > HEIGHT_TOLERANCE {
        return Err(Unreadable::GeometryMismatch {
            code: code.0,
            measured_mm: registered.height_mm as f32,
            expected_mm: layout.height as f32,
        });
    }
    let (transform, residual_mm) = registered.transform(layout.height, upside_down);
    Ok(Identified {
        registered,
        style,
        contest: &election.contests[style.contest],
        layout,
        transform,
        upside_down,
        residual_mm,
    })
}

/// Mean darkness of each strip cell's core under `tf`.
fn strip_darkness(reg: &Registered, tf: &Transform, height: f64) -> [f64; STRIP_CELLS] {
    // Any option count gives the same strip position relative to the bottom fiducials.
    let layout = PaperLayout::new(PaperKind::Mayor, 0);
    let shift = height - layout.height;
    std::array::from_fn(|i| {
        let c = layout.strip_cell(i);
        let r = Rect::new(c.x0, c.y0 + shift, c.x1, c.y1 + shift).inflate(-CELL_INSET);
        mean_darkness(reg, tf, &r, 0.4)
    })
}

/// Mean darkness (0 paper .. 1 print black) over a paper rectangle, sampled every `step` mm.
pub fn mean_darkness(reg: &Registered, tf: &Transform, r: &Rect, step: f64) -> f64 {
    let (w, h) = reg.image.dimensions();
    let nx = ((r.width() / step).ceil() as usize).max(1);
    let ny = ((r.height() / step).ceil() as usize).max(1);
    let (mut sum, mut n) = (0.0, 0.0);
    for j in 0..=ny {
        for i in 0..=nx {
            let x = r.x0 + r.width() * i as f64 / nx as f64;
            let y = r.y0 + r.height() * j as f64 / ny as f64;
            let (u, v) = tf.apply(x, y);
            if u < 0.0 || v < 0.0 || u >= f64::from(w) || v >= f64::from(h) {
                sum += 0.0;
                n += 1.0;
                continue;
            }
            let px = f64::from(reg.image.get_pixel(u as u32, v as u32).0[0]);
            let white = reg.white_at(u, v);
            sum += ((white - px) / (white - reg.black).max(1.0)).clamp(0.0, 1.0);
            n += 1.0;
        }
    }
    sum / n
}

/// No strip decodes. If the page has the printed table of a paper of this specification it is
/// an unofficial or damaged paper (want of official mark); otherwise it is not a ballot.
fn unreadable_strip(reg: &Registered, upside_down: bool) -> Unreadable {
    let n_est = ((reg.height_mm - 130.0) / ROW_HEIGHT).round().max(1.0);
    let height = 130.0 + ROW_HEIGHT * n_est;
    let (tf, _) = reg.transform(height, upside_down);
    let bottom = ROW_TOP + ROW_HEIGHT * n_est;
    let rule = |y: f64| mean_darkness(reg, &tf, &Rect::new(20.0, y - 0.1, 130.0, y + 0.1), 0.5);
    let table = rule(ROW_TOP) > 0.35 && rule(bottom) > 0.35;
    if !table {
        return Unreadable::NotABallot {
            detail: "fiducials found but no code strip and no ballot table".into(),
        };
    }
    // A Mayor paper has a box outline in column 1 of the first row.
    let probe = PaperLayout::new(PaperKind::Mayor, 1).voting_box(0, 0).outer;
    let left_edge = Rect::new(probe.x0, probe.y0 + 1.0, probe.x0 + 0.4, probe.y1 - 1.0);
    let probable_kind =
        (mean_darkness(reg, &tf, &left_edge, 0.2) > 0.35).then_some(PaperKind::Mayor);
    Unreadable::CodeStripUnreadable { probable_kind }
}
