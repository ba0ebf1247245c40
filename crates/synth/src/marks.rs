//! Voters' marks: what a mark is (kind, pen, place) and how it is drawn. Strokes are
//! polylines with low-frequency wobble, a bow, pressure that rises and tapers, and for pencil a
//! grainy, sometimes broken line, so that no two marks look alike.

use crate::canvas::{Canvas, Grain, Ink, StrokePoint};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    Cross,
    Tick,
    Stroke,
    Filled,
    Scribble,
    /// A ring drawn round the box, not in it.
    Circle,
    Digit1,
    Digit2,
    Dot,
    /// Signature-like writing away from the boxes.
    Signature,
    /// Dense scribbling over an earlier mark to cancel it.
    CrossOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    /// The polling station's pencil: thin, grey, grainy.
    Pencil,
    BlackBallpoint,
    BlueBallpoint,
    FeltPen,
}

/// One voter's pen: the instrument and the properties drawn from it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pen {
    pub instrument: Instrument,
    /// Nominal line width, mm.
    pub width_mm: f64,
    /// Ink colour at full pressure.
    pub rgb: [u8; 3],
    /// Grain 0..1 (pencil high, ink low).
    pub grain: f32,
    /// Chance per stroke section of the line breaking up (light pressure, skipping ballpoint).
    pub breaks: f64,
}

impl Pen {
    /// A pen drawn at random for this instrument; `faint` makes pencil light and thin.
    pub fn sample(rng: &mut ChaCha8Rng, instrument: Instrument, faint: bool) -> Self {
        match instrument {
            Instrument::Pencil => {
                let l = if faint {
                    rng.gen_range(160.0..192.0)
                } else {
                    rng.gen_range(90.0..160.0)
                } as u8;
                Pen {
                    instrument,
                    width_mm: if faint {
                        rng.gen_range(0.22..0.38)
                    } else {
                        rng.gen_range(0.28..0.6)
                    },
                    rgb: [l, l, l.saturating_add(3)],
                    grain: rng.gen_range(0.3..0.65),
                    breaks: rng.gen_range(0.0..0.12),
                }
            }
            Instrument::BlackBallpoint => {
                let l = rng.gen_range(12..55);
                Pen {
                    instrument,
                    width_mm: rng.gen_range(0.28..0.5),
                    rgb: [l, l, l + rng.gen_range(0..15)],
                    grain: rng.gen_range(0.02..0.18),
                    breaks: rng.gen_range(0.0..0.05),
                }
            }
            Instrument::BlueBallpoint => Pen {
                instrument,
                width_mm: rng.gen_range(0.28..0.5),
                rgb: [
                    rng.gen_range(10..50),
                    rng.gen_range(25..80),
                    rng.gen_range(110..190),
                ],
                grain: rng.gen_range(0.02..0.18),
                breaks: rng.gen_range(0.0..0.05),
            },
            Instrument::FeltPen => {
                let dark = rng.gen_range(5..40);
                let rgb = match rng.gen_range(0..6) {
                    0 => [dark, dark + 10, rng.gen_range(90..150)], // blue-black
                    1 => [rng.gen_range(120..170), dark, dark],     // red
                    _ => [dark, dark, dark],
                };
                Pen {
                    instrument,
                    width_mm: rng.gen_range(0.8..1.8),
                    rgb,
                    grain: rng.gen_range(0.0..0.08),
                    breaks: 0.0,
                }
            }
        }
    }

    pub fn luminance(&self) -> f32 {
        self.ink().luminance()
    }

    fn ink(&self) -> Ink {
        Ink {
            rgb: self.rgb.map(f32::from),
        }
    }
}

/// One mark as the voter made it, in paper millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub kind: MarkKind,
    pub pen: Pen,
    /// Centre of the mark, mm.
    pub x: f64,
    pub y: f64,
    /// Overall extent, mm (for a circle: its radius).
    pub size: f64,
    /// Rotation of the whole mark, degrees.
    pub angle: f64,
    /// The voting box it is meant for (row, column), if any.
    pub target: Option<(u16, u8)>,
}

type P = (f64, f64);

/// Draws a mark; `rng` supplies the hand's variation.
pub fn draw(c: &mut Canvas, m: &Mark, rng: &mut ChaCha8Rng) {
    let s = m.size;
    let h = s / 2.0;
    let mut strokes: Vec<Vec<P>> = Vec::new();
    let j = |rng: &mut ChaCha8Rng, a: f64| rng.gen_range(-a..a);
    match m.kind {
        MarkKind::Cross => {
            let jj = 0.12 * s;
            let a = (-h + j(rng, jj), -h + j(rng, jj));
            let b = (h + j(rng, jj), h + j(rng, jj));
            let c2 = (h + j(rng, jj), -h + j(rng, jj));
            let d = (-h + j(rng, jj), h + j(rng, jj));
            strokes.push(line(rng, a, b, s));
            strokes.push(line(rng, c2, d, s));
        }
        MarkKind::Tick => {
            let p0 = (-0.45 * h + j(rng, 0.1 * h), -0.05 * h + j(rng, 0.15 * h));
            let p1 = (-0.1 * h + j(rng, 0.1 * h), 0.55 * h + j(rng, 0.1 * h));
            let p2 = (0.6 * h + j(rng, 0.15 * h), -0.75 * h + j(rng, 0.15 * h));
            let mut a = line(rng, p0, p1, s);
            a.extend(line(rng, p1, p2, s).into_iter().skip(1));
            strokes.push(a);
        }
        MarkKind::Stroke => {
            let t = rng.gen_range(-0.5..0.5) * PI;
            let (dx, dy) = (t.sin() * 0.5 * s, t.cos() * 0.5 * s);
            strokes.push(line(rng, (-dx, -dy), (dx, dy), s));
        }
        MarkKind::Filled => {
            let pitch = (m.pen.width_mm * rng.gen_range(0.55..0.9)).max(0.3);
            let passes = ((s / pitch).ceil() as usize).max(2);
            let mut pts = Vec::with_capacity(passes * 2);
            for i in 0..=passes {
                let y = -h + s * i as f64 / passes as f64;
                let (l, r) = (-h + j(rng, 0.06 * s), h + j(rng, 0.06 * s));
                if i % 2 == 0 {
                    pts.push((l, y));
                    pts.push((r, y + pitch * 0.5));
                } else {
                    pts.push((r, y));
                    pts.push((l, y + pitch * 0.5));
                }
            }
            strokes.push(jitter_path(rng, &pts, 0.05));
        }
        MarkKind::Scribble | MarkKind::CrossOut => {
            let dense = m.kind == MarkKind::CrossOut;
            let n = if dense {
                rng.gen_range(14..26)
            } else {
                rng.gen_range(7..16)
            };
            let mut pts = Vec::new();
            if dense {
                // Back-and-forth hatching over the whole area.
                for i in 0..n {
                    let y = -h + s * i as f64 / (n - 1) as f64;
                    let x = if i % 2 == 0 { -h } else { h };
                    pts.push((x + j(rng, 0.1 * s), y + j(rng, 0.08 * s)));
                }
            } else {
                let mut phi: f64 = rng.gen_range(0.0..2.0 * PI);
                for _ in 0..n {
                    let r = rng.gen_range(0.15..0.5) * s;
                    pts.push((r * phi.cos(), r * phi.sin()));
                    phi += rng.gen_range(1.2..3.0);
                }
            }
            strokes.push(catmull(&pts, 6));
        }
        MarkKind::Circle => {
            let (rx, ry) = (s * rng.gen_range(1.0..1.04), s * rng.gen_range(0.99..1.02));
            let start = rng.gen_range(0.0..2.0 * PI);
            let sweep = 2.0 * PI + rng.gen_range(0.05..0.6);
            let n = 48;
            let (f1, ph1) = (rng.gen_range(2.0..4.0), rng.gen_range(0.0..2.0 * PI));
            let pts: Vec<P> = (0..=n)
                .map(|i| {
                    let t = start + sweep * i as f64 / n as f64;
                    let wob = 1.0 + 0.012 * (f1 * t + ph1).sin();
                    (rx * wob * t.cos(), ry * wob * t.sin())
                })
                .collect();
            strokes.push(pts);
        }
        MarkKind::Digit1 => {
            let w = 0.55 * s;
            let top = (0.05 * w + j(rng, 0.05 * w), -h);
            let flag = (-0.35 * w + j(rng, 0.1 * w), -0.55 * h + j(rng, 0.1 * h));
            let bottom = (0.05 * w + j(rng, 0.12 * w), h + j(rng, 0.05 * h));
            let mut a = line(rng, flag, top, s * 0.4);
            a.extend(line(rng, top, bottom, s).into_iter().skip(1));
            strokes.push(a);
            if rng.gen_bool(0.4) {
                let e = h + j(rng, 0.05 * h);
                strokes.push(line(rng, (-0.35 * w, h), (0.45 * w, e), s * 0.5));
            }
        }
        MarkKind::Digit2 => {
            let w = 0.65 * s;
            let pts = [
                (-0.45 * w, -0.45 * h),
                (-0.1 * w, -h + j(rng, 0.05 * h)),
                (0.4 * w + j(rng, 0.1 * w), -0.7 * h),
                (0.35 * w, -0.2 * h + j(rng, 0.1 * h)),
                (-0.1 * w, 0.35 * h),
                (-0.5 * w + j(rng, 0.05 * w), h),
                (0.5 * w + j(rng, 0.1 * w), h + j(rng, 0.08 * h)),
            ];
            strokes.push(catmull(&pts, 6));
        }
        MarkKind::Dot => {
            let r = s / 2.0;
            let n = rng.gen_range(5..9);
            let pts: Vec<P> = (0..n)
                .map(|i| {
                    let t = i as f64 * 2.3;
                    (
                        r * t.cos() * rng.gen_range(0.3..1.0),
                        r * t.sin() * rng.gen_range(0.3..1.0),
                    )
                })
                .collect();
            strokes.push(catmull(&pts, 4));
        }
        MarkKind::Signature => {
            // Cursive-looking loops along a baseline, a capital at the start, often an underline.
            let w = s;
            let xh = rng.gen_range(1.5..2.5);
            let letters = rng.gen_range(6..14);
            let mut pts = vec![(-w / 2.0, j(rng, 1.0))];
            pts.push((-w / 2.0 + 1.0, -xh * rng.gen_range(1.6..2.0)));
            for i in 0..letters {
                let x = -w / 2.0 + w * (i as f64 + 0.5) / letters as f64;
                let tall = rng.gen_bool(0.25);
                let top = if tall { -xh * 1.9 } else { -xh };
                pts.push((x - 0.3, 0.4 + j(rng, 0.4)));
                pts.push((x + 0.4, top + j(rng, 0.5)));
                if rng.gen_bool(0.2) {
                    pts.push((x + 0.1, xh * 0.9)); // descender
                }
            }
            pts.push((w / 2.0, j(rng, 0.6)));
            strokes.push(catmull(&pts, 5));
            if rng.gen_bool(0.5) {
                let e = xh * 0.9 + j(rng, 1.0);
                strokes.push(line(rng, (-w / 2.0, xh * 0.9), (w / 2.0, e), w));
            }
        }
    }
    let (sin, cos) = m.angle.to_radians().sin_cos();
    let ink = m.pen.ink();
    let grain = (m.pen.grain > 0.0).then(|| Grain {
        amount: m.pen.grain,
        scale: rng.gen_range(0.8..2.2),
        seed: rng.gen(),
    });
    for st in strokes {
        let placed: Vec<P> = st
            .iter()
            .map(|&(x, y)| (m.x + x * cos - y * sin, m.y + x * sin + y * cos))
            .collect();
        let pts = pressure(rng, &placed, &m.pen);
        c.stroke(&pts, &ink, grain);
    }
}

/// A hand-drawn straight line: wobble across it, a slight bow, points every ~0.3 mm.
fn line(rng: &mut ChaCha8Rng, a: P, b: P, scale: f64) -> Vec<P> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-6);
    let n = ((len / 0.3).ceil() as usize).clamp(4, 200);
    let (nx, ny) = (-dy / len, dx / len);
    let bow = rng.gen_range(-0.06..0.06) * len;
    let amp = rng.gen_range(0.003..0.025) * scale.max(len);
    let (f1, p1) = (rng.gen_range(1.0..3.5), rng.gen_range(0.0..2.0 * PI));
    let (f2, p2) = (rng.gen_range(4.0..9.0), rng.gen_range(0.0..2.0 * PI));
    (0..=n)
        .map(|i| {
            let t = i as f64 / n as f64;
            let off = bow * (PI * t).sin()
                + amp * (2.0 * PI * f1 * t + p1).sin()
                + 0.3 * amp * (2.0 * PI * f2 * t + p2).sin();
            (a.0 + dx * t + nx * off, a.1 + dy * t + ny * off)
        })
        .collect()
}

fn jitter_path(rng: &mut ChaCha8Rng, pts: &[P], a: f64) -> Vec<P> {
    let jittered: Vec<P> = pts
        .iter()
        .map(|&(x, y)| (x + rng.gen_range(-a..a), y + rng.gen_range(-a..a)))
        .collect();
    catmull(&jittered, 3)
}

/// Catmull-Rom spline through `pts`, `per` samples per segment.
fn catmull(pts: &[P], per: usize) -> Vec<P> {
    if pts.len() < 3 {
        return pts.to_vec();
    }
    let mut out = Vec::with_capacity(pts.len() * per);
    for i in 0..pts.len() - 1 {
        let p0 = pts[i.saturating_sub(1)];
        let p1 = pts[i];
        let p2 = pts[i + 1];
        let p3 = pts[(i + 2).min(pts.len() - 1)];
        for k in 0..per {
            let t = k as f64 / per as f64;
            let (t2, t3) = (t * t, t * t * t);
            let f = |a: f64, b: f64, c: f64, d: f64| {
                0.5 * (2.0 * b
                    + (-a + c) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                    + (-a + 3.0 * b - 3.0 * c + d) * t3)
            };
            out.push((f(p0.0, p1.0, p2.0, p3.0), f(p0.1, p1.1, p2.1, p3.1)));
        }
    }
    out.push(pts[pts.len() - 1]);
    out
}

/// Width and opacity along the stroke: pressure rises at the start, tapers at the end, varies
/// in between; pencil and skipping pens break up in places.
fn pressure(rng: &mut ChaCha8Rng, pts: &[P], pen: &Pen) -> Vec<StrokePoint> {
    let mut cum = vec![0.0; pts.len()];
    for i in 1..pts.len() {
        let (dx, dy) = (pts[i].0 - pts[i - 1].0, pts[i].1 - pts[i - 1].1);
        cum[i] = cum[i - 1] + (dx * dx + dy * dy).sqrt();
    }
    let total = cum.last().copied().unwrap_or(0.0).max(1e-6);
    let (f, ph) = (rng.gen_range(0.5..2.5), rng.gen_range(0.0..2.0 * PI));
    let var = match pen.instrument {
        Instrument::Pencil => rng.gen_range(0.15..0.4),
        Instrument::FeltPen => rng.gen_range(0.02..0.1),
        _ => rng.gen_range(0.05..0.2),
    };
    let base = match pen.instrument {
        Instrument::FeltPen => rng.gen_range(0.9..1.0),
        _ => rng.gen_range(0.8..1.0),
    };
    let taper_in = rng.gen_range(0.03..0.15);
    let taper_out = rng.gen_range(0.05..0.25);
    // Breaks: short stretches of near-zero pressure.
    let mut gaps = Vec::new();
    if pen.breaks > 0.0 {
        let n = (total / 2.0) as usize;
        for _ in 0..n {
            if rng.gen_bool(pen.breaks.min(1.0)) {
                let at = rng.gen_range(0.0..total);
                gaps.push((at, at + rng.gen_range(0.15..0.8)));
            }
        }
    }
    pts.iter()
        .zip(&cum)
        .map(|(&(x, y), &d)| {
            let t = d / total;
            let ramp = smooth((t / taper_in).min(1.0))
                * (0.35 + 0.65 * smooth(((1.0 - t) / taper_out).min(1.0)));
            let wave = 1.0 + var * (2.0 * PI * f * t + ph).sin();
            let mut p = (base * wave * (0.4 + 0.6 * ramp)).clamp(0.05, 1.0);
            if gaps.iter().any(|&(a, b)| d >= a && d <= b) {
                p *= 0.12;
            }
            StrokePoint {
                x,
                y,
                width: pen.width_mm * (0.7 + 0.4 * p),
                alpha: p,
            }
        })
        .collect()
}

fn smooth(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}
