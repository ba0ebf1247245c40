//! The creases of a voter's folds. A voter folds the paper in half (or in three) to put it in
//! the ballot box, and the crease shows in a scan as a faint straight line across the page,
//! not quite level and not quite where the paper's middle is.

use crate::canvas::Canvas;
use crate::Mix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One crease on the paper: the line `y = y_mm + slope * x` (paper mm), darkening the paper by
/// `depth` grey levels along it and fading to nothing `half_mm` either side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Crease {
    pub y_mm: f64,
    pub slope: f64,
    pub depth: f64,
    pub half_mm: f64,
}

/// Share of papers folded so that the crease shows, and the creases' depth range (grey levels
/// on the paper, before the scanner's tone curve, blur and noise: a 200-dpi JPEG of a crease
/// 24 deep and 0.4 mm to its edge measured 7 below the paper beside it): realistic papers
/// are pressed flat by the feeder and show faint creases, the hard mix deeper ones.
const REALISTIC: (f64, (f64, f64)) = (0.3, (5.0, 25.0));
const HARD: (f64, (f64, f64)) = (0.5, (15.0, 45.0));

/// The creases of paper `index` of a paper `height_mm` tall. Drawn from their own stream
/// (not the page's plan or drawing streams), so that adding them left every other choice
/// for every paper of a seed as it was.
pub fn plan(seed: u64, index: u64, mix: Mix, height_mm: f64) -> Vec<Crease> {
    let (share, (lo, hi)) = match mix {
        Mix::Clean => return Vec::new(),
        Mix::Realistic => REALISTIC,
        Mix::Hard => HARD,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00F0_1D5E_A5ED);
    rng.set_stream(index);
    if !rng.gen_bool(share) {
        return Vec::new();
    }
    // In half mostly; in three a third of the time.
    let folds: &[f64] = if rng.gen_bool(0.33) {
        &[1.0 / 3.0, 2.0 / 3.0]
    } else {
        &[0.5]
    };
    folds
        .iter()
        .map(|&at| Crease {
            y_mm: height_mm * at + rng.gen_range(-15.0..15.0),
            slope: rng.gen_range(-0.025..0.025),
            depth: rng.gen_range(lo..hi),
            half_mm: rng.gen_range(0.3..0.7),
        })
        .collect()
}

/// Darkens each crease across the whole paper.
pub fn draw(canvas: &mut Canvas, creases: &[Crease]) {
    let k = canvas.px_per_mm;
    let ch = canvas.channels;
    for c in creases {
        let reach = (c.half_mm * k).ceil() as i64;
        for x in 0..canvas.width {
            let yc = (c.y_mm + c.slope * x as f64 / k) * k;
            for y in yc as i64 - reach..=yc as i64 + reach {
                let Ok(y) = usize::try_from(y) else { continue };
                if y >= canvas.height {
                    continue;
                }
                let d = c.depth * (1.0 - (y as f64 - yc).abs() / (c.half_mm * k)).max(0.0);
                let i = (y * canvas.width + x) * ch;
                for v in &mut canvas.data[i..i + ch] {
                    *v = (f64::from(*v) - d).max(0.0) as u8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_the_share_of_papers_show_creases_within_the_page() {
        let creased = (0..2000)
            .filter(|&i| !plan(7, i, Mix::Realistic, 346.0).is_empty())
            .count();
        assert!((500..700).contains(&creased), "{creased} of 2000");
        for i in 0..2000 {
            assert!(plan(7, i, Mix::Clean, 346.0).is_empty());
            for c in plan(7, i, Mix::Hard, 490.0) {
                assert!(c.y_mm > 100.0 && c.y_mm < 390.0, "{c:?}");
                assert!((15.0..45.0).contains(&c.depth), "{c:?}");
            }
        }
        // The same paper, the same creases.
        assert_eq!(plan(7, 11, Mix::Hard, 346.0), plan(7, 11, Mix::Hard, 346.0));
    }

    #[test]
    fn a_crease_darkens_its_line_and_nothing_beside_it() {
        let mut canvas = Canvas::new(210.0, 346.0, 200, 1);
        canvas.data.iter_mut().for_each(|v| *v = 250);
        let c = Crease {
            y_mm: 173.0,
            slope: 0.01,
            depth: 20.0,
            half_mm: 0.5,
        };
        draw(&mut canvas, &[c]);
        let k = canvas.px_per_mm;
        for x_mm in [5.0, 105.0, 205.0] {
            let x = (x_mm * k) as usize;
            let y = |mm: f64| ((173.0 + 0.01 * x_mm + mm) * k).round() as usize;
            assert!(
                canvas.luma(x, y(0.0)) <= 234,
                "{x_mm}: {}",
                canvas.luma(x, y(0.0))
            );
            assert_eq!(canvas.luma(x, y(2.0)), 250);
            assert_eq!(canvas.luma(x, y(-2.0)), 250);
        }
    }
}
