//! Printed text with the bundled DejaVu Sans (assets/fonts, see its LICENSE), laid out in
//! millimetres and shrunk where needed so it never leaves the box the spec gives it.

use crate::canvas::{Canvas, Ink};
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use std::sync::OnceLock;

static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

fn font(weight: Weight) -> &'static FontRef<'static> {
    static REG: OnceLock<FontRef<'static>> = OnceLock::new();
    static BOLD: OnceLock<FontRef<'static>> = OnceLock::new();
    let (cell, bytes) = match weight {
        Weight::Regular => (&REG, REGULAR_TTF),
        Weight::Bold => (&BOLD, BOLD_TTF),
    };
    // The font is compiled in and known good; a failure here is a build defect.
    cell.get_or_init(|| FontRef::try_from_slice(bytes).expect("bundled font parses"))
}

/// Width in mm of `text` at em size `size_mm`, and its ink extent above and below the baseline.
pub fn measure(text: &str, weight: Weight, size_mm: f64) -> TextExtent {
    let f = font(weight);
    // Lay out at a fixed large scale and divide, so measures do not depend on dpi.
    let scale = PxScale::from(1000.0);
    let sf = f.as_scaled(scale);
    let mut x = 0.0f32;
    let mut prev = None;
    let (mut top, mut bottom) = (0.0f32, 0.0f32);
    let (mut left, mut right) = (f32::MAX, f32::MIN);
    for ch in text.chars() {
        let id = sf.glyph_id(ch);
        if let Some(p) = prev {
            x += sf.kern(p, id);
        }
        let g = id.with_scale_and_position(scale, ab_glyph::point(x, 0.0));
        if let Some(o) = f.outline_glyph(g) {
            let b = o.px_bounds();
            top = top.min(b.min.y);
            bottom = bottom.max(b.max.y);
            left = left.min(b.min.x);
            right = right.max(b.max.x);
        }
        x += sf.h_advance(id);
        prev = Some(id);
    }
    let k = size_mm / 1000.0;
    if left > right {
        left = 0.0;
        right = 0.0;
    }
    TextExtent {
        advance: f64::from(x) * k,
        left: f64::from(left) * k,
        right: f64::from(right) * k,
        ascent: -f64::from(top) * k,
        descent: f64::from(bottom) * k,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextExtent {
    pub advance: f64,
    /// Ink extent from the pen origin, mm.
    pub left: f64,
    pub right: f64,
    pub ascent: f64,
    pub descent: f64,
}

/// Largest em size not above `size_mm` at which `text` fits in `max_width` mm.
pub fn fit_size(text: &str, weight: Weight, size_mm: f64, max_width: f64) -> f64 {
    let e = measure(text, weight, size_mm);
    let w = e.right.max(e.advance) - e.left.min(0.0);
    if w <= max_width || w <= 0.0 {
        size_mm
    } else {
        size_mm * max_width / w * 0.995
    }
}

/// Draws `text` with its pen origin at (`x`, `baseline`) mm.
pub fn draw(c: &mut Canvas, text: &str, weight: Weight, size_mm: f64, x: f64, baseline: f64) {
    let f = font(weight);
    let k = c.px_per_mm;
    let scale = PxScale::from((size_mm * k) as f32);
    let sf = f.as_scaled(scale);
    let mut pen = (x * k) as f32;
    let base = (baseline * k) as f32;
    let mut prev = None;
    let ink = Ink::BLACK;
    for ch in text.chars() {
        let id = sf.glyph_id(ch);
        if let Some(p) = prev {
            pen += sf.kern(p, id);
        }
        let g = id.with_scale_and_position(scale, ab_glyph::point(pen, base));
        if let Some(o) = f.outline_glyph(g) {
            let b = o.px_bounds();
            o.draw(|gx, gy, cov| {
                let px = b.min.x as i64 + i64::from(gx);
                let py = b.min.y as i64 + i64::from(gy);
                if px >= 0 && py >= 0 {
                    c.put(px as usize, py as usize, cov, &ink);
                }
            });
        }
        pen += sf.h_advance(id);
        prev = Some(id);
    }
}

/// Draws `text` centred on `cx`.
pub fn draw_centred(
    c: &mut Canvas,
    text: &str,
    weight: Weight,
    size_mm: f64,
    cx: f64,
    baseline: f64,
) {
    let e = measure(text, weight, size_mm);
    let mid = (e.left.min(0.0) + e.right.max(e.advance)) / 2.0;
    draw(c, text, weight, size_mm, cx - mid, baseline);
}

/// Greedy word wrap to `max_width` mm.
pub fn wrap(text: &str, weight: Weight, size_mm: f64, max_width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if !cur.is_empty() && measure(&candidate, weight, size_mm).right > max_width {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        } else {
            cur = candidate;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}
