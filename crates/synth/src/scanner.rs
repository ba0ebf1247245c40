//! The scanner model: the paper is placed on the platen (rotated, perhaps upside down, scaled,
//! shifted, on a background of some colour), lit unevenly, blurred by the optics, noised by
//! the sensor, perhaps thresholded to bilevel, and encoded. Output pixels are found by inverse
//! mapping into the paper with bilinear sampling.

use crate::canvas::{value_noise, Canvas};
use crate::OutputFormat;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Everything the scanner did to one page; recorded in the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanParams {
    /// Skew, degrees (positive = clockwise on the image), before any upside-down turn.
    pub angle_deg: f64,
    pub upside_down: bool,
    pub scale: f64,
    /// Background margin beyond the paper's bounding box: left, top, right, bottom, mm.
    pub margins_mm: [f64; 4],
    /// Scanner background level (0 black .. 255 white).
    pub background: u8,
    /// Levels the scanner gives white paper and solid black print.
    pub paper_white: u8,
    pub print_black: u8,
    /// Illumination fall-off across the page, 0 = even.
    pub uneven: f64,
    pub blur_px: f64,
    pub noise: f64,
    /// Colour scan (RGB file) rather than grey.
    pub colour: bool,
    /// Thresholded to black and white at this level.
    pub bilevel_threshold: Option<u8>,
    pub format: OutputFormat,
    pub jpeg_quality: Option<u8>,
    pub dpi: u32,
    /// Up to this many specks of dust on the glass, 0.1-0.5 mm across, anywhere on the image
    /// (boxes included); the count and places come from the page's drawing stream.
    #[serde(default)]
    pub dust: u32,
    /// The creases of the voter's folds, as the scan shows them (drawn on the paper before
    /// it is scanned).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub creases: Vec<crate::fold::Crease>,
}

impl ScanParams {
    /// Offset of the paper's centre from the image centre, mm (the "shift").
    pub fn shift_mm(&self) -> (f64, f64) {
        let [l, t, r, b] = self.margins_mm;
        ((l - r) / 2.0, (t - b) / 2.0)
    }
}

/// A scanned image before encoding.
pub struct Scan {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub data: Vec<u8>,
}

/// Where the paper lies on the platen: the output's size and the paper-to-output map.
pub struct Placement {
    pub width: usize,
    pub height: usize,
    sin: f64,
    cos: f64,
    scale: f64,
    /// Paper size, px.
    wp: f64,
    hp: f64,
    /// Paper centre on the output, px.
    cxo: f64,
    cyo: f64,
}

impl Placement {
    pub fn of(paper: &Canvas, p: &ScanParams) -> Self {
        let k = paper.px_per_mm;
        let (wp, hp) = (paper.width as f64, paper.height as f64);
        let theta = (p.angle_deg + if p.upside_down { 180.0 } else { 0.0 }).to_radians();
        let (sin, cos) = theta.sin_cos();
        let bw = p.scale * (wp * cos.abs() + hp * sin.abs());
        let bh = p.scale * (wp * sin.abs() + hp * cos.abs());
        let [ml, mt, mr, mb] = p.margins_mm.map(|m| m * k);
        Placement {
            width: (bw + ml + mr).ceil().max(1.0) as usize,
            height: (bh + mt + mb).ceil().max(1.0) as usize,
            sin,
            cos,
            scale: p.scale,
            wp,
            hp,
            cxo: ml + bw / 2.0,
            cyo: mt + bh / 2.0,
        }
    }

    /// The output pixel that paper pixel (x, y) falls on, if it is on the output: the
    /// inverse of the map [`scan`] samples through.
    pub fn to_output(&self, x: usize, y: usize) -> Option<(usize, usize)> {
        let (px, py) = (
            x as f64 - self.wp / 2.0 + 0.5,
            y as f64 - self.hp / 2.0 + 0.5,
        );
        let u = self.scale * (self.cos * px - self.sin * py) + self.cxo - 0.5;
        let v = self.scale * (self.sin * px + self.cos * py) + self.cyo - 0.5;
        let (u, v) = (u.round(), v.round());
        (u >= 0.0 && v >= 0.0 && u < self.width as f64 && v < self.height as f64)
            .then_some((u as usize, v as usize))
    }
}

/// Scans `paper`; `rng` drives the noise only (the geometry is all in `p`).
pub fn scan(paper: &Canvas, p: &ScanParams, rng: &mut ChaCha8Rng) -> Scan {
    let place = Placement::of(paper, p);
    let (wp, hp) = (place.wp, place.hp);
    let (sin, cos) = (place.sin, place.cos);
    let (width, height) = (place.width, place.height);
    let (cxo, cyo) = (place.cxo, place.cyo);
    let ch = paper.channels;
    let white = f32::from(p.paper_white);
    let black = f32::from(p.print_black);
    let bg = f32::from(p.background);
    // Paper tint for colour scans: slightly warm.
    let tint: [f32; 3] = if ch == 3 {
        [1.0, 0.99, 0.965]
    } else {
        [1.0; 3]
    };
    // Bilevel scanners correct shading before they threshold; the draw is still made so a
    // page's noise does not depend on its format.
    let uneven = if p.bilevel_threshold.is_some() {
        0.0
    } else {
        p.uneven
    };
    let light_grid = light_map(width, height, uneven, rng);
    let lw = width / LIGHT_STEP + 2;
    let mut out = vec![0f32; width * height * ch];
    // Inverse map: output (u, v) -> paper px = R(-theta)((u, v) - centre) / scale + paper centre.
    let (ia, ib) = (cos / p.scale, sin / p.scale);
    let (pw, ph) = (paper.width as i64, paper.height as i64);
    // Tone per channel: paper level l (0..255) scans as black + (white*tint - black) * l / 255.
    let gain: [f32; 3] = [0, 1, 2].map(|c| (white * tint[c] - black) / 255.0);
    let mut lrow = vec![0f32; width];
    for v in 0..height {
        let dy = v as f64 + 0.5 - cyo;
        // Illumination along this row, interpolated from the coarse grid.
        let gv = v as f32 / LIGHT_STEP as f32;
        let iv = gv as usize;
        let fv = gv - iv as f32;
        // Linear between grid columns, stepped per pixel (no per-pixel divisions).
        for (iu, chunk) in lrow.chunks_mut(LIGHT_STEP).enumerate() {
            let at = |a: usize, b: usize| light_grid[b * lw + a];
            let l0 = at(iu, iv) + (at(iu, iv + 1) - at(iu, iv)) * fv;
            let l1 = at(iu + 1, iv) + (at(iu + 1, iv + 1) - at(iu + 1, iv)) * fv;
            let step = (l1 - l0) / LIGHT_STEP as f32;
            for (k, l) in chunk.iter_mut().enumerate() {
                *l = l0 + step * k as f32;
            }
        }
        let dx0 = 0.5 - cxo;
        let mut px = ia * dx0 + ib * dy + wp / 2.0 - 0.5;
        let mut py = -ib * dx0 + ia * dy + hp / 2.0 - 0.5;
        let row = &mut out[v * width * ch..(v + 1) * width * ch];
        for u in 0..width {
            let (x0f, y0f) = (fast_floor(px), fast_floor(py));
            let (fx, fy) = ((px - x0f) as f32, (py - y0f) as f32);
            let (x0, y0) = (x0f as i64, y0f as i64);
            let w = [
                (1.0 - fx) * (1.0 - fy),
                fx * (1.0 - fy),
                (1.0 - fx) * fy,
                fx * fy,
            ];
            let light = lrow[u];
            if x0 >= 0 && y0 >= 0 && x0 + 1 < pw && y0 + 1 < ph {
                let i0 = (y0 as usize * paper.width + x0 as usize) * ch;
                let i1 = i0 + paper.width * ch;
                for c in 0..ch {
                    let d = &paper.data;
                    let l = w[0] * f32::from(d[i0 + c])
                        + w[1] * f32::from(d[i0 + ch + c])
                        + w[2] * f32::from(d[i1 + c])
                        + w[3] * f32::from(d[i1 + ch + c]);
                    row[u * ch + c] = (black + gain[c] * l) * light;
                }
            } else {
                // At or beyond the paper's edge: blend paper and background tap by tap.
                let taps = [(x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)];
                for c in 0..ch {
                    let mut acc = 0f32;
                    for (k, &(tx, ty)) in taps.iter().enumerate() {
                        let val = if tx >= 0 && ty >= 0 && tx < pw && ty < ph {
                            let l = f32::from(
                                paper.data[(ty as usize * paper.width + tx as usize) * ch + c],
                            );
                            black + gain[c] * l
                        } else {
                            bg
                        };
                        acc += w[k] * val;
                    }
                    row[u * ch + c] = acc * light;
                }
            }
            px += ia;
            py -= ib;
        }
    }
    // Drawn before the dust, so that a page's noise is the same with or without it.
    let mut state: u64 = rng.gen();
    dust(&mut out, width, height, ch, p, rng);
    if p.blur_px > 0.05 {
        blur(&mut out, width, height, ch, p.blur_px as f32);
    }
    let mut data = vec![0u8; width * height * ch];
    // Sensor noise: a fast generator seeded from the page's stream (approximately normal:
    // the sum of four uniform bytes).
    let sigma = p.noise as f32;
    let k = sigma / 147.8; // sd of a sum of four uniform bytes is 147.8
    for (d, &s) in data.iter_mut().zip(&out) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let sum = (z & 0xff) + ((z >> 8) & 0xff) + ((z >> 16) & 0xff) + ((z >> 24) & 0xff);
        let n = (sum as f32 - 510.0) * k;
        // `as u8` saturates, so this rounds and clamps without a libm call.
        *d = (s + n + 0.5) as u8;
    }
    if let Some(t) = p.bilevel_threshold {
        // Thresholding is done on luminance: a bilevel file is one channel.
        let grey = to_grey(&data, ch);
        data = grey
            .into_iter()
            .map(|l| if l < t { 0 } else { 255 })
            .collect();
        return Scan {
            width,
            height,
            channels: 1,
            data,
        };
    }
    Scan {
        width,
        height,
        channels: ch,
        data,
    }
}

const LIGHT_STEP: usize = 16;

/// Darkens up to `p.dust` round specks of the image (dust on the glass lies still while the
/// paper moves, so in image space): each 0.1-0.5 mm across, passing 20-70% of the light.
fn dust(
    out: &mut [f32],
    width: usize,
    height: usize,
    ch: usize,
    p: &ScanParams,
    rng: &mut ChaCha8Rng,
) {
    if p.dust == 0 || width == 0 || height == 0 {
        return;
    }
    let px_per_mm = f64::from(p.dpi) / 25.4;
    for _ in 0..rng.gen_range(0..=p.dust) {
        let (cu, cv) = (rng.gen_range(0..width), rng.gen_range(0..height));
        let r = rng.gen_range(0.05..0.25) * px_per_mm;
        let pass: f32 = rng.gen_range(0.2..0.7);
        let reach = r.ceil() as usize;
        for v in cv.saturating_sub(reach)..(cv + reach + 1).min(height) {
            for u in cu.saturating_sub(reach)..(cu + reach + 1).min(width) {
                let (du, dv) = (u as f64 - cu as f64, v as f64 - cv as f64);
                if du * du + dv * dv <= r * r + 0.25 {
                    for c in 0..ch {
                        out[(v * width + u) * ch + c] *= pass;
                    }
                }
            }
        }
    }
}

/// `floor` without a libm call (the baseline x86-64 target has no rounding instruction).
#[inline]
fn fast_floor(v: f64) -> f64 {
    let t = v as i64 as f64;
    if t > v {
        t - 1.0
    } else {
        t
    }
}

/// Illumination on a coarse grid (every LIGHT_STEP px): a gentle gradient plus a broad blotch.
fn light_map(width: usize, height: usize, uneven: f64, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let seed: u32 = rng.gen();
    let (gx, gy) = (rng.gen_range(-1.0..1.0f64), rng.gen_range(-1.0..1.0f64));
    let (lw, lh) = (width / LIGHT_STEP + 2, height / LIGHT_STEP + 2);
    let mut m = Vec::with_capacity(lw * lh);
    for j in 0..lh {
        for i in 0..lw {
            let (u, v) = ((i * LIGHT_STEP) as f64, (j * LIGHT_STEP) as f64);
            let (nu, nv) = (u / width as f64 - 0.5, v / height as f64 - 0.5);
            let l = 1.0
                - uneven * (0.5 + gx * nu + gy * nv).clamp(0.0, 1.0)
                - uneven * 0.5 * f64::from(value_noise(u as f32 / 700.0, v as f32 / 700.0, seed));
            m.push(l as f32);
        }
    }
    m
}

fn to_grey(data: &[u8], ch: usize) -> Vec<u8> {
    if ch == 1 {
        return data.to_vec();
    }
    data.chunks_exact(3)
        .map(|p| {
            (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]) + 0.5)
                as u8
        })
        .collect()
}

/// Separable Gaussian blur in place.
fn blur(buf: &mut [f32], w: usize, h: usize, ch: usize, sigma: f32) {
    let r = (sigma * 2.5).ceil().max(1.0) as usize;
    let kern: Vec<f32> = (0..=2 * r)
        .map(|i| {
            let d = i as f32 - r as f32;
            (-d * d / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let sum: f32 = kern.iter().sum();
    let kern: Vec<f32> = kern.iter().map(|v| v / sum).collect();
    let stride = w * ch;
    // Horizontal: each row padded by edge replication, then a plain dot product per sample.
    let mut padded = vec![0f32; (w + 2 * r) * ch];
    for y in 0..h {
        let row = &mut buf[y * stride..(y + 1) * stride];
        for x in 0..w + 2 * r {
            let sx = x.saturating_sub(r).min(w - 1);
            padded[x * ch..(x + 1) * ch].copy_from_slice(&row[sx * ch..(sx + 1) * ch]);
        }
        // Tap by tap over the whole row, which vectorises (a dot product per sample does not).
        row.iter_mut().for_each(|v| *v = 0.0);
        for (t, kv) in kern.iter().enumerate() {
            let src = &padded[t * ch..t * ch + stride];
            for (d, v) in row.iter_mut().zip(src) {
                *d += kv * v;
            }
        }
    }
    // Vertical: rows combined whole, which vectorises.
    let src = buf.to_vec();
    for y in 0..h {
        let dst = &mut buf[y * stride..(y + 1) * stride];
        dst.iter_mut().for_each(|v| *v = 0.0);
        for (i, kv) in kern.iter().enumerate() {
            let yy = (y + i).saturating_sub(r).min(h - 1);
            let s = &src[yy * stride..(yy + 1) * stride];
            for (d, v) in dst.iter_mut().zip(s) {
                *d += kv * v;
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("image encoding failed: {0}")]
    Image(#[from] image::ImageError),
    #[error("image too wide for CCITT G4 ({0} px)")]
    TooWide(usize),
    #[error("G4 encoding failed")]
    Fax,
    #[error("JPEG encoding failed: {0}")]
    Jpeg(#[from] jpeg_encoder::EncodingError),
}

/// Encodes a scan; a TIFF is always bilevel (CCITT Group 4).
pub fn encode(s: &Scan, p: &ScanParams) -> Result<Vec<u8>, EncodeError> {
    let (w, h) = (s.width as u32, s.height as u32);
    let colour = if s.channels == 3 {
        ExtendedColorType::Rgb8
    } else {
        ExtendedColorType::L8
    };
    let mut out = Vec::new();
    match p.format {
        OutputFormat::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive)
                .write_image(&s.data, w, h, colour)?;
        }
        OutputFormat::Jpeg => {
            // jpeg-encoder (SIMD) rather than image's encoder, which was a third of a page's
            // rendering time.
            let mut enc = jpeg_encoder::Encoder::new(&mut out, p.jpeg_quality.unwrap_or(85));
            let dpi = u16::try_from(p.dpi).unwrap_or(300);
            enc.set_density(jpeg_encoder::PixelDensity {
                density: (dpi, dpi),
                unit: jpeg_encoder::PixelDensityUnit::Inches,
            });
            let kind = if s.channels == 3 {
                jpeg_encoder::ColorType::Rgb
            } else {
                jpeg_encoder::ColorType::Luma
            };
            let (w16, h16) = (u16::try_from(w), u16::try_from(h));
            let (Ok(w16), Ok(h16)) = (w16, h16) else {
                return Err(EncodeError::TooWide(s.width.max(s.height)));
            };
            enc.encode(&s.data, w16, h16, kind)?;
        }
        OutputFormat::Tiff => {
            let grey = to_grey(&s.data, s.channels);
            out = g4_tiff(
                &grey,
                s.width,
                s.height,
                p.dpi,
                p.bilevel_threshold.unwrap_or(128),
            )?;
        }
    }
    Ok(out)
}

/// A one-strip TIFF, Compression 4 (CCITT T.6), WhiteIsZero, written by hand around the
/// `fax` crate's Group 4 encoder.
pub fn g4_tiff(
    grey: &[u8],
    w: usize,
    h: usize,
    dpi: u32,
    threshold: u8,
) -> Result<Vec<u8>, EncodeError> {
    let width = u16::try_from(w).map_err(|_| EncodeError::TooWide(w))?;
    let mut enc = fax::encoder::Encoder::new(fax::VecWriter::new());
    for row in grey.chunks_exact(w).take(h) {
        let pels = row.iter().map(|&l| {
            if l < threshold {
                fax::Color::Black
            } else {
                fax::Color::White
            }
        });
        enc.encode_line(pels, width).map_err(|_| EncodeError::Fax)?;
    }
    let data = enc.finish().map_err(|_| EncodeError::Fax)?.finish();
    Ok(tiff_container(&data, w as u32, h as u32, dpi))
}

fn tiff_container(data: &[u8], w: u32, h: u32, dpi: u32) -> Vec<u8> {
    // (tag, type, value): type 3 SHORT, 4 LONG, 5 RATIONAL (value = offset, filled below).
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    let entries: [(u16, u16, u32); 12] = [
        (256, LONG, w),                 // ImageWidth
        (257, LONG, h),                 // ImageLength
        (258, SHORT, 1),                // BitsPerSample
        (259, SHORT, 4),                // Compression: CCITT T.6
        (262, SHORT, 0),                // PhotometricInterpretation: WhiteIsZero
        (273, LONG, 0),                 // StripOffsets (filled below)
        (277, SHORT, 1),                // SamplesPerPixel
        (278, LONG, h),                 // RowsPerStrip
        (279, LONG, data.len() as u32), // StripByteCounts
        (282, RATIONAL, 0),             // XResolution
        (283, RATIONAL, 0),             // YResolution
        (296, SHORT, 2),                // ResolutionUnit: inch
    ];
    let ifd_len = 2 + 12 * entries.len() + 4;
    let rationals_at = 8 + ifd_len;
    let data_at = rationals_at + 16;
    let mut out = Vec::with_capacity(data_at + data.len());
    out.extend_from_slice(b"II*\0");
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    let mut rational = 0;
    for (tag, typ, val) in entries {
        let val = match (tag, typ) {
            (273, _) => data_at as u32,
            (_, RATIONAL) => {
                rational += 1;
                (rationals_at + 8 * (rational - 1)) as u32
            }
            _ => val,
        };
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        if typ == SHORT {
            out.extend_from_slice(&(val as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&val.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    for _ in 0..2 {
        out.extend_from_slice(&dpi.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    out.extend_from_slice(data);
    out
}
