//! An 8-bit paper buffer (grey, or RGB for colour scans) at paper resolution, with the two
//! drawing primitives everything else is built from: axis-aligned rectangles with exact area
//! coverage (so a 0.3 mm rule is the right weight even at 150 dpi) and anti-aliased variable-width
//! polylines for handwriting.

use ecount_election::layout::Rect;

/// An ink: its colour and the luminance a grey scan of it gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ink {
    pub rgb: [f32; 3],
}

impl Ink {
    pub const BLACK: Ink = Ink { rgb: [0.0; 3] };

    pub fn grey(l: f32) -> Self {
        Ink { rgb: [l; 3] }
    }

    /// Rec. 601 luma, as scanners and the image crate compute it.
    pub fn luminance(&self) -> f32 {
        0.299 * self.rgb[0] + 0.587 * self.rgb[1] + 0.114 * self.rgb[2]
    }
}

#[derive(Debug, Clone)]
pub struct Canvas {
    pub width: usize,
    pub height: usize,
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    pub px_per_mm: f64,
    pub data: Vec<u8>,
}

/// One point of a hand-drawn stroke, in millimetres, with the pen's width and darkness there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrokePoint {
    pub x: f64,
    pub y: f64,
    /// Line width, mm.
    pub width: f64,
    /// Ink opacity 0..1 (pressure).
    pub alpha: f64,
}

/// Texture applied to a stroke's coverage: pencil graphite is grainy, ballpoint slightly so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grain {
    /// 0 = solid; 1 = coverage may drop to nothing in places.
    pub amount: f32,
    /// Texture scale in pixels (larger = coarser grain).
    pub scale: f32,
    pub seed: u32,
}

impl Canvas {
    /// A white sheet of `w_mm` x `h_mm` at `dpi`.
    pub fn new(w_mm: f64, h_mm: f64, dpi: u32, channels: usize) -> Self {
        let px_per_mm = f64::from(dpi) / 25.4;
        let width = (w_mm * px_per_mm).round() as usize;
        let height = (h_mm * px_per_mm).round() as usize;
        Canvas {
            width,
            height,
            channels,
            px_per_mm,
            data: vec![255; width * height * channels],
        }
    }

    #[inline]
    fn blend(&mut self, idx: usize, a: f32, ink: &Ink) {
        if a <= 0.0 {
            return;
        }
        let a = a.min(1.0);
        if self.channels == 1 {
            let v = f32::from(self.data[idx]);
            self.data[idx] = (v + (ink.luminance() - v) * a + 0.5) as u8;
        } else {
            for c in 0..3 {
                let v = f32::from(self.data[idx * 3 + c]);
                self.data[idx * 3 + c] = (v + (ink.rgb[c] - v) * a + 0.5) as u8;
            }
        }
    }

    /// Darkness-preserving blend: ink only ever darkens (a second pass of the same ink over
    /// itself does not lighten it).
    #[inline]
    pub fn put(&mut self, x: usize, y: usize, a: f32, ink: &Ink) {
        if x < self.width && y < self.height {
            self.blend(y * self.width + x, a, ink);
        }
    }

    /// Luminance at a pixel (for tests and measuring).
    pub fn luma(&self, x: usize, y: usize) -> u8 {
        let i = y * self.width + x;
        if self.channels == 1 {
            self.data[i]
        } else {
            let p = &self.data[i * 3..i * 3 + 3];
            (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])).round()
                as u8
        }
    }

    /// Fills `outer` minus `inner` (if any) with exact area coverage.
    pub fn fill_rect(&mut self, outer: Rect, inner: Option<Rect>, ink: &Ink) {
        let k = self.px_per_mm;
        let o = [outer.x0 * k, outer.y0 * k, outer.x1 * k, outer.y1 * k];
        let inn = inner.map(|r| [r.x0 * k, r.y0 * k, r.x1 * k, r.y1 * k]);
        let xs = (o[0].floor().max(0.0) as usize)..(o[2].ceil().max(0.0) as usize).min(self.width);
        let ys = (o[1].floor().max(0.0) as usize)..(o[3].ceil().max(0.0) as usize).min(self.height);
        for y in ys {
            let cy = overlap(y as f64, o[1], o[3]);
            for x in xs.clone() {
                let mut cov = cy * overlap(x as f64, o[0], o[2]);
                if let Some(i) = inn {
                    cov -= overlap(y as f64, i[1], i[3]) * overlap(x as f64, i[0], i[2]);
                }
                if cov > 1e-6 {
                    self.put(x, y, cov as f32, ink);
                }
            }
        }
    }

    /// Draws a variable-width, anti-aliased polyline. Coverage is the maximum over its
    /// segments, so the stroke's own joints do not double up.
    pub fn stroke(&mut self, pts: &[StrokePoint], ink: &Ink, grain: Option<Grain>) {
        if pts.is_empty() {
            return;
        }
        let k = self.px_per_mm;
        let maxw = pts.iter().map(|p| p.width).fold(0.0, f64::max) * k;
        let pad = maxw / 2.0 + 2.0;
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in pts {
            x0 = x0.min(p.x * k);
            y0 = y0.min(p.y * k);
            x1 = x1.max(p.x * k);
            y1 = y1.max(p.y * k);
        }
        let bx0 = (x0 - pad).floor().max(0.0) as usize;
        let by0 = (y0 - pad).floor().max(0.0) as usize;
        let bx1 = ((x1 + pad).ceil().max(0.0) as usize).min(self.width);
        let by1 = ((y1 + pad).ceil().max(0.0) as usize).min(self.height);
        if bx1 <= bx0 || by1 <= by0 {
            return;
        }
        let (bw, bh) = (bx1 - bx0, by1 - by0);
        let mut cov = vec![0f32; bw * bh];
        let single;
        let segs: &[StrokePoint] = if pts.len() == 1 {
            single = [pts[0], pts[0]];
            &single
        } else {
            pts
        };
        for s in segs.windows(2) {
            let (a, b) = (s[0], s[1]);
            let (ax, ay, bx, by) = (a.x * k, a.y * k, b.x * k, b.y * k);
            let hw = (a.width.max(b.width) * k) / 2.0 + 1.5;
            let sx0 = ((ax.min(bx) - hw).floor().max(bx0 as f64) as usize).max(bx0);
            let sy0 = ((ay.min(by) - hw).floor().max(by0 as f64) as usize).max(by0);
            let sx1 = ((ax.max(bx) + hw).ceil() as usize).min(bx1);
            let sy1 = ((ay.max(by) + hw).ceil() as usize).min(by1);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            for y in sy0..sy1 {
                let py = y as f64 + 0.5;
                for x in sx0..sx1 {
                    let px = x as f64 + 0.5;
                    let t = if len2 > 1e-12 {
                        (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    let (qx, qy) = (ax + t * dx - px, ay + t * dy - py);
                    let d = (qx * qx + qy * qy).sqrt();
                    let w = (a.width + (b.width - a.width) * t) * k;
                    let alpha = a.alpha + (b.alpha - a.alpha) * t;
                    // A line thinner than a pixel spreads its ink over about one pixel.
                    let c = if w >= 1.0 {
                        (w / 2.0 - d + 0.5).clamp(0.0, 1.0)
                    } else {
                        w * (1.0 - d).clamp(0.0, 1.0)
                    } * alpha;
                    let i = (y - by0) * bw + (x - bx0);
                    if c as f32 > cov[i] {
                        cov[i] = c as f32;
                    }
                }
            }
        }
        for y in 0..bh {
            for x in 0..bw {
                let mut c = cov[y * bw + x];
                if c <= 0.0 {
                    continue;
                }
                if let Some(g) = grain {
                    let n = value_noise(
                        (x + bx0) as f32 / g.scale,
                        (y + by0) as f32 / g.scale,
                        g.seed,
                    );
                    let fine = hash01((x + bx0) as u32, (y + by0) as u32, g.seed ^ 0x9e37_79b9);
                    let t = 0.6 * n + 0.4 * fine;
                    c *= (1.0 - g.amount * t).clamp(0.0, 1.0);
                }
                self.put(x + bx0, y + by0, c, ink);
            }
        }
    }
}

/// Length of `[i, i+1] ∩ [a, b]`.
#[inline]
fn overlap(i: f64, a: f64, b: f64) -> f64 {
    ((i + 1.0).min(b) - i.max(a)).max(0.0)
}

/// A deterministic hash of a pixel position to `[0, 1)`.
#[inline]
pub fn hash01(x: u32, y: u32, seed: u32) -> f32 {
    let mut h = x
        .wrapping_mul(0x85eb_ca6b)
        .wrapping_add(y.wrapping_mul(0xc2b2_ae35))
        .wrapping_add(seed.wrapping_mul(0x27d4_eb2f));
    h ^= h >> 15;
    h = h.wrapping_mul(0x2c1b_3c6d);
    h ^= h >> 12;
    h = h.wrapping_mul(0x297a_2d39);
    h ^= h >> 15;
    (h >> 8) as f32 / (1u32 << 24) as f32
}

/// Smooth value noise in `[0, 1)` with features about one unit across.
pub fn value_noise(x: f32, y: f32, seed: u32) -> f32 {
    let (xi, yi) = (x.floor(), y.floor());
    let (fx, fy) = (x - xi, y - yi);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let (xi, yi) = (xi as i32 as u32, yi as i32 as u32);
    let v00 = hash01(xi, yi, seed);
    let v10 = hash01(xi.wrapping_add(1), yi, seed);
    let v01 = hash01(xi, yi.wrapping_add(1), seed);
    let v11 = hash01(xi.wrapping_add(1), yi.wrapping_add(1), seed);
    let a = v00 + (v10 - v00) * sx;
    let b = v01 + (v11 - v01) * sx;
    a + (b - a) * sy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_coverage_is_exact() {
        // A 0.3 mm rule at 150 dpi is 1.77 px wide: its total ink must say so.
        let mut c = Canvas::new(20.0, 20.0, 150, 1);
        c.fill_rect(Rect::new(5.0, 2.0, 5.3, 12.0), None, &Ink::BLACK);
        let row = 40;
        let ink: f64 = (0..c.width)
            .map(|x| f64::from(255 - c.luma(x, row)) / 255.0)
            .sum();
        assert!((ink - 0.3 * 150.0 / 25.4).abs() < 0.02, "ink {ink}");
    }

    #[test]
    fn ring_leaves_interior_white() {
        let mut c = Canvas::new(20.0, 20.0, 200, 1);
        let outer = Rect::new(2.0, 2.0, 14.0, 14.0);
        c.fill_rect(outer, Some(outer.inflate(-0.5)), &Ink::BLACK);
        let k = c.px_per_mm;
        assert_eq!(c.luma((8.0 * k) as usize, (8.0 * k) as usize), 255);
        assert!(c.luma((2.2 * k) as usize, (8.0 * k) as usize) < 60);
    }
}
