//! Stage 1: bytes to an 8-bit luminance image, under explicit limits so that a hostile file
//! fails cleanly instead of exhausting memory.

use crate::reading::Unreadable;
use image::{GrayImage, ImageReader, Limits};
use std::io::Cursor;

/// A 300-dpi paper of 40 options is about 2,500 x 6,000 px; these leave room for borders.
pub const MAX_DIMENSION: u32 = 12_000;
pub const MAX_ALLOC_BYTES: u64 = 400 * 1024 * 1024;
/// Below this the shorter side cannot hold a 210 mm paper at 150 dpi scaled to 0.97.
pub const MIN_SHORT_SIDE: u32 = 1_100;

/// The decoded page.
pub struct Decoded {
    pub image: GrayImage,
}

/// Decodes PNG, JPEG or TIFF (including CCITT G4) of any bit depth or colour to luminance;
/// a dithered black-and-white page comes back grey (see [`undither`]).
pub fn decode(bytes: &[u8]) -> Result<Decoded, Unreadable> {
    decode_raw(bytes).map(|d| Decoded {
        image: match d.dithered {
            None => undither(d.image),
            Some(true) => smooth(&d.image),
            Some(false) => d.image,
        },
    })
}

/// A page as decoded, before [`undither`].
struct Raw {
    image: GrayImage,
    /// Whether it is dithered, where decoding already told.
    dithered: Option<bool>,
}

impl From<Decoded> for Raw {
    fn from(d: Decoded) -> Self {
        Raw {
            image: d.image,
            dithered: None,
        }
    }
}

fn decode_raw(bytes: &[u8]) -> Result<Raw, Unreadable> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        if let Some(d) = jpeg_luma(bytes)? {
            return Ok(d.into());
        }
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        if let Some(d) = bilevel_tiff(bytes)? {
            return Ok(d);
        }
    }
    // The header is read first so that an oversized page is refused before any allocation.
    let (width, height) = reader(bytes)?
        .into_dimensions()
        .map_err(|e| limit_or_failed(e, bytes))?;
    check_size(width, height)?;
    let image = reader(bytes)?
        .decode()
        .map_err(|e| limit_or_failed(e, bytes))?;
    Ok(Decoded { image: luma(image) }.into())
}

/// Black pixels with no black 4-neighbour, as a share of all pixels, above which a
/// black-and-white page is dithered: error diffusion spreads paper grey into lone dots (2.8%
/// of the page at a paper white of 250, 7% at 235), while a thresholded page's black is
/// strokes and its lone pixels are noise (at most 1.6% on 300 bilevel scans of our hard mix).
const DITHER_LONE_DENSITY: f64 = 0.025;
/// Rows sampled for the dither test: every this many.
const DITHER_ROW_STEP: usize = 8;
/// Radius (px) of the square averaged to turn dither back into grey: 5 x 5.
const UNDITHER_RADIUS: u32 = 2;

/// A page scanned to black and white by dithering (a scanner's halftone mode, or a
/// converter's default) shows paper as a scatter of black dots that every later stage would
/// read as ink; averaging each pixel's 5 x 5 neighbourhood gives back its grey. Any other
/// page is returned as it is, after a look at every eighth row that stops at the first grey
/// value.
pub fn undither(image: GrayImage) -> GrayImage {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w < 3 || h < 3 || !dithered(image.as_raw(), w, h) {
        return image;
    }
    smooth(&image)
}

/// A dithered page's grey, from each pixel's 5 x 5 neighbourhood.
fn smooth(image: &GrayImage) -> GrayImage {
    imageproc::filter::box_filter(image, UNDITHER_RADIUS, UNDITHER_RADIUS)
}

fn dithered(raw: &[u8], w: usize, h: usize) -> bool {
    let (mut seen, mut lone) = (0u64, 0u64);
    // Paper is most of a page: a run of white is passed over a chunk at a time.
    const CHUNK: usize = 32;
    for y in (1..h - 1).step_by(DITHER_ROW_STEP) {
        let row = &raw[y * w..(y + 1) * w];
        seen += (w - 2) as u64;
        for (c, chunk) in row.chunks(CHUNK).enumerate() {
            if all_have(chunk, 0xFF) {
                continue;
            }
            for (i, &v) in chunk.iter().enumerate() {
                if v != 0 && v != 255 {
                    return false;
                }
                let x = c * CHUNK + i;
                if v == 0 && x > 0 && x < w - 1 {
                    lone += u64::from(alone(raw, w, y * w + x));
                }
            }
        }
    }
    lone as f64 > DITHER_LONE_DENSITY * seen as f64
}

/// Whether the pixel at `k` (not on the page's edge) has no black 4-neighbour.
fn alone(raw: &[u8], w: usize, k: usize) -> bool {
    raw[k - 1] != 0 && raw[k + 1] != 0 && raw[k - w] != 0 && raw[k + w] != 0
}

/// Whether every pixel of `px` has all of `bits` set: 0xFF, every pixel is 255; 0x80, none
/// is under mid-grey. Paper is most of a scanned page, and this tests it 32 pixels at a
/// time (an AND of four words, one branch for the 32).
pub(crate) fn all_have(px: &[u8], bits: u8) -> bool {
    let splat = u64::from_ne_bytes([bits; 8]);
    let mut chunks = px.chunks_exact(32);
    for c in &mut chunks {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&c[i..i + 8]);
            u64::from_ne_bytes(w)
        };
        if word(0) & word(8) & word(16) & word(24) & splat != splat {
            return false;
        }
    }
    chunks.remainder().iter().all(|&v| v & bits == bits)
}

/// A JPEG decoded straight to its luma channel: a colour scan's chroma is never upsampled or
/// converted (the image crate's RGB decode and float conversion to grey cost 40% more).
/// `None` when zune-jpeg cannot give luma for this file, so the general path tries it.
fn jpeg_luma(bytes: &[u8]) -> Result<Option<Decoded>, Unreadable> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .set_max_width(MAX_DIMENSION as usize)
        .set_max_height(MAX_DIMENSION as usize)
        .jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    if dec.decode_headers().is_err() {
        return Ok(None);
    }
    let Some((w, h)) = dec.dimensions() else {
        return Ok(None);
    };
    let (width, height) = (w as u32, h as u32);
    check_size(width, height)?;
    if dec.output_buffer_size() != Some(w * h) {
        return Ok(None);
    }
    let mut data = vec![0u8; w * h];
    if dec.decode_into(&mut data).is_err() {
        return Ok(None);
    }
    Ok(GrayImage::from_raw(width, height, data).map(|image| Decoded { image }))
}

/// Luminance of a decoded image; 8-bit RGB by integer Rec. 601 weights (the image crate's
/// conversion goes through floats and `roundf` per pixel).
fn luma(image: image::DynamicImage) -> GrayImage {
    match image {
        image::DynamicImage::ImageLuma8(g) => g,
        image::DynamicImage::ImageRgb8(rgb) => {
            let (w, h) = rgb.dimensions();
            let data = rgb
                .as_raw()
                .chunks_exact(3)
                .map(|p| {
                    let y = 77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]);
                    ((y + 128) >> 8) as u8
                })
                .collect();
            GrayImage::from_raw(w, h, data).unwrap_or_else(|| GrayImage::new(w, h))
        }
        other => other.into_luma8(),
    }
}

/// A 1-bit TIFF (the usual CCITT G4 scan): a G4 one in strips painted from its runs
/// ([`g4_strips`]); any other (G3, PackBits, uncompressed, or a G4 file the runs do not take)
/// through the tiff crate and expanded to 8 bits with a table, since the image crate's
/// bit-at-a-time expansion costs more than the decoding itself. `None` for any TIFF that is
/// not 1-bit, which the general path then decodes.
fn bilevel_tiff(bytes: &[u8]) -> Result<Option<Raw>, Unreadable> {
    use tiff::decoder::{Decoder, DecodingResult, Limits};
    let failed = |e: tiff::TiffError| Unreadable::DecodeFailed {
        message: format!("TIFF: {e}"),
    };
    let mut limits = Limits::default();
    limits.decoding_buffer_size = MAX_ALLOC_BYTES as usize;
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(failed)?
        .with_limits(limits);
    if dec.colortype().map_err(failed)? != tiff::ColorType::Gray(1) {
        return Ok(None);
    }
    let (width, height) = dec.dimensions().map_err(failed)?;
    check_size(width, height)?;
    if let Some((image, dithered)) = g4_strips(&mut dec, bytes, width, height) {
        return Ok(Some(Raw {
            image,
            dithered: Some(dithered),
        }));
    }
    let packed = match dec.read_image().map_err(failed)? {
        DecodingResult::U8(v) => v,
        _ => return Ok(None),
    };
    let (w, h) = (width as usize, height as usize);
    let row_bytes = w.div_ceil(8);
    if packed.len() < row_bytes * h {
        return Err(Unreadable::DecodeFailed {
            message: "TIFF: image data shorter than its dimensions".into(),
        });
    }
    let mut data = vec![0u8; w * h];
    for (src, dst) in packed.chunks_exact(row_bytes).zip(data.chunks_exact_mut(w)) {
        let mut chunks = dst.chunks_exact_mut(8);
        for (byte, out) in src.iter().zip(&mut chunks) {
            out.copy_from_slice(&EXPAND[usize::from(*byte)]);
        }
        let tail = chunks.into_remainder();
        if let Some(byte) = src.get(w / 8) {
            let n = tail.len();
            tail.copy_from_slice(&EXPAND[usize::from(*byte)][..n]);
        }
    }
    let image = GrayImage::from_raw(width, height, data).ok_or(Unreadable::DecodeFailed {
        message: "TIFF: buffer does not match its dimensions".into(),
    })?;
    Ok(Some(Decoded { image }.into()))
}

/// A Group 4 TIFF in strips, decoded from the `fax` crate's runs straight to grey bytes, a
/// run at a time: the tiff crate builds each line a pixel at a time, which cost half of all
/// the time reading a G4 page took. `None` for anything else, or data that is not whole
/// (tiles, fill order 2, a strip short of its rows, a decoding error): the tiff crate then
/// decodes it, or names what is wrong. With the page, whether it is dithered, told from the
/// runs as [`dithered`] tells it from the pixels: only a black run one pixel long can be a
/// lone black pixel, so the rest of a sampled row is never looked at.
fn g4_strips<R: std::io::Read + std::io::Seek>(
    dec: &mut tiff::decoder::Decoder<R>,
    bytes: &[u8],
    width: u32,
    height: u32,
) -> Option<(GrayImage, bool)> {
    use tiff::tags::Tag;
    let tag = |dec: &mut tiff::decoder::Decoder<R>, t: Tag| dec.find_tag_unsigned::<u32>(t).ok();
    // A predictor or a sample format other than unsigned integers on a 1-bit page is not a
    // scanner's: the tiff crate refuses it, and names it so.
    if tag(dec, Tag::Compression)? != Some(4)
        || tag(dec, Tag::FillOrder)?.unwrap_or(1) != 1
        || tag(dec, Tag::Predictor)?.unwrap_or(1) != 1
        || tag(dec, Tag::SampleFormat)?.unwrap_or(1) != 1
        || dec.get_chunk_type() != tiff::decoder::ChunkType::Strip
        || width == 0
        || height == 0
    {
        return None;
    }
    // Runs coded white are 0 in the file: white under WhiteIsZero, black under BlackIsZero.
    let (white, black) = match tag(dec, Tag::PhotometricInterpretation)? {
        Some(0) => (255u8, 0u8),
        Some(1) => (0, 255),
        _ => return None,
    };
    let offsets = dec
        .find_tag_unsigned_vec::<usize>(Tag::StripOffsets)
        .ok()??;
    let counts = dec
        .find_tag_unsigned_vec::<usize>(Tag::StripByteCounts)
        .ok()??;
    // Rows per strip past the page (2^32 - 1 is TIFF's "one strip") make one strip: the tiff
    // crate refuses more than 65,535 and sets such a page aside as undecodable.
    let per_strip = tag(dec, Tag::RowsPerStrip)?
        .unwrap_or(height)
        .clamp(1, height) as usize;
    let (w, h) = (width as usize, height as usize);
    let strips = h.div_ceil(per_strip);
    if offsets.len() < strips || counts.len() < strips {
        return None;
    }
    let line_width = u16::try_from(width).ok()?;
    let mut data = vec![white; w * h];
    // The dither test's count: black pixels of its rows with no black 4-neighbour. Only a
    // run one pixel long can hold one; a row's are looked at once the row below is painted.
    let sampled = |y: usize| y % DITHER_ROW_STEP == 1 && y + 1 < h;
    let (mut singles, mut lone) = (Vec::new(), 0usize);
    let mut g4 = None;
    for y in 0..h {
        if y % per_strip == 0 {
            let s = y / per_strip;
            let coded = bytes.get(offsets[s]..offsets[s].checked_add(counts[s])?)?;
            let input = coded.iter().map(|&b| Ok::<u8, std::convert::Infallible>(b));
            g4 = Some(fax::decoder::Group4Decoder::new(input, line_width).ok()?);
        }
        let g4 = g4.as_mut()?;
        match g4.advance().ok()? {
            fax::decoder::DecodeStatus::Incomplete => {}
            fax::decoder::DecodeStatus::End => return None,
        }
        let row = &mut data[y * w..(y + 1) * w];
        fill_runs(
            row,
            g4.transition(),
            black,
            sampled(y).then_some(&mut singles),
        );
        if y >= 2 && sampled(y - 1) {
            let k0 = (y - 1) * w;
            lone += singles
                .drain(..)
                .filter(|&x| x > 0 && x + 1 < w && alone(&data, w, k0 + x))
                .count();
        }
    }
    // As `dithered` counts: every pixel but the edges of every sampled row.
    let seen = (1..h.saturating_sub(1)).step_by(DITHER_ROW_STEP).len() * w.saturating_sub(2);
    let dithered = lone as f64 > DITHER_LONE_DENSITY * seen as f64;
    Some((GrayImage::from_raw(width, height, data)?, dithered))
}

/// Paints the black runs of a line coded as the positions where its colour changes (white
/// first), exactly as `fax::decoder::pels` reads them: each run is as long as its position
/// past the one before (none if it is not past it), and the colour after the last change
/// fills the rest of the line. Where a run one pixel long painted 0, its x goes to `singles`.
fn fill_runs(row: &mut [u8], changes: &[u16], black: u8, mut singles: Option<&mut Vec<usize>>) {
    // The coded colour whose runs paint 0: black under WhiteIsZero, white under BlackIsZero.
    let dark_is_black = black == 0;
    let mut run = |row: &mut [u8], x: usize, end: usize, is_black: bool| {
        if is_black {
            row[x..end].fill(black);
        }
        if let (Some(s), true) = (
            singles.as_deref_mut(),
            end == x + 1 && is_black == dark_is_black,
        ) {
            s.push(x);
        }
    };
    let (mut x, mut last, mut is_black) = (0usize, 0u16, false);
    for &p in changes {
        let end = (x + usize::from(p.saturating_sub(last))).min(row.len());
        run(row, x, end, is_black);
        (x, last, is_black) = (end, p, !is_black);
    }
    run(row, x, row.len(), is_black);
}

/// Each byte of 1-bit pixels (most significant first, 1 = white) as 8 grey bytes.
static EXPAND: [[u8; 8]; 256] = {
    let mut t = [[0u8; 8]; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            if b & (0x80 >> i) != 0 {
                t[b][i] = 255;
            }
            i += 1;
        }
        b += 1;
    }
    t
};

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, Unreadable> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Unreadable::DecodeFailed {
            message: e.to_string(),
        })?;
    if reader.format().is_none() {
        return Err(Unreadable::DecodeFailed {
            message: "not a PNG, JPEG or TIFF image".into(),
        });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC_BYTES);
    reader.limits(limits);
    Ok(reader)
}

fn check_size(width: u32, height: u32) -> Result<(), Unreadable> {
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(Unreadable::ImageTooLarge { width, height });
    }
    if width.min(height) < MIN_SHORT_SIDE {
        return Err(Unreadable::ImageTooSmall { width, height });
    }
    Ok(())
}

fn limit_or_failed(e: image::ImageError, bytes: &[u8]) -> Unreadable {
    match e {
        image::ImageError::Limits(_) => {
            let (width, height) = ImageReader::new(Cursor::new(bytes))
                .with_guessed_format()
                .ok()
                .and_then(|r| r.into_dimensions().ok())
                .unwrap_or((0, 0));
            // Dimensions within limits but allocation over them still count as too large.
            Unreadable::ImageTooLarge { width, height }
        }
        other => Unreadable::DecodeFailed {
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_have_sees_every_pixel_of_a_row() {
        for len in [1, 7, 31, 32, 33, 64, 70] {
            let white = vec![255u8; len];
            assert!(all_have(&white, 0xFF) && all_have(&white, 0x80));
            for at in 0..len {
                let mut px = white.clone();
                px[at] = 254;
                assert!(!all_have(&px, 0xFF), "254 at {at} of {len}");
                assert!(all_have(&px, 0x80));
                px[at] = 127;
                assert!(!all_have(&px, 0x80), "127 at {at} of {len}");
                px[at] = 128;
                assert!(all_have(&px, 0x80));
            }
        }
        assert!(all_have(&[], 0xFF));
    }

    /// Floyd-Steinberg error diffusion to black and white, as a converter's default does.
    fn dither(img: &GrayImage) -> GrayImage {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut e: Vec<f32> = img.as_raw().iter().map(|&v| f32::from(v)).collect();
        let mut out = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let k = y * w + x;
                let v = if e[k] >= 128.0 { 255u8 } else { 0 };
                let err = e[k] - f32::from(v);
                out[k] = v;
                let mut push = |dx: isize, dy: usize, f: f32| {
                    let nx = x as isize + dx;
                    if nx >= 0 && (nx as usize) < w && y + dy < h {
                        e[(y + dy) * w + nx as usize] += err * f;
                    }
                };
                push(1, 0, 7.0 / 16.0);
                push(-1, 1, 3.0 / 16.0);
                push(0, 1, 5.0 / 16.0);
                push(1, 1, 1.0 / 16.0);
            }
        }
        GrayImage::from_raw(w as u32, h as u32, out).unwrap()
    }

    #[test]
    fn a_dithered_ballot_reads_as_its_grey_scan() {
        // Pillow's convert('1') dithers by default: paper grey became dots that the reader
        // could not tell from ink, and no fiducial was found.
        let e = ecount_election::Election::load(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../elections/gla-2016.toml"),
        )
        .unwrap();
        let style = e.style(ecount_election::StyleCode(523)).unwrap();
        let mut page = ecount_synth::render_printed(&e, style, 200);
        let k = 200.0 / 25.4;
        // Paper at 225, and a filled box in row 2 (y 139-151, x 175-187).
        for p in page.pixels_mut() {
            p[0] = (u16::from(p[0]) * 225 / 255) as u8;
        }
        for y in (141.0 * k) as u32..(149.0 * k) as u32 {
            for x in (177.0 * k) as u32..(185.0 * k) as u32 {
                page.put_pixel(x, y, image::Luma([40]));
            }
        }
        let mut bytes = Vec::new();
        dither(&page)
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        let r = crate::read_ballot(&bytes, &e).unwrap();
        assert_eq!(r.vote, ecount_election::Vote::Single { option: 2 });
        assert!(r.flags.is_empty(), "{:?}", r.flags);
    }

    #[test]
    fn dither_turns_grey_and_thresholded_pages_are_left_alone() {
        // Paper at 230 with a solid square of print and a thin black line.
        let mut page = GrayImage::from_pixel(200, 160, image::Luma([230]));
        for y in 40..80 {
            for x in 40..80 {
                page.put_pixel(x, y, image::Luma([20]));
            }
        }
        for x in 100..180 {
            page.put_pixel(x, 120, image::Luma([20]));
            page.put_pixel(x, 121, image::Luma([20]));
        }
        let thresholded = GrayImage::from_fn(200, 160, |x, y| {
            image::Luma([if page.get_pixel(x, y)[0] < 128 {
                0
            } else {
                255
            }])
        });
        assert_eq!(undither(thresholded.clone()), thresholded);
        assert_eq!(undither(page.clone()), page);
        let grey = undither(dither(&page));
        let mean = |x0: u32, y0: u32, x1: u32, y1: u32| {
            let px: Vec<f64> = (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .map(|(x, y)| f64::from(grey.get_pixel(x, y)[0]))
                .collect();
            px.iter().sum::<f64>() / px.len() as f64
        };
        assert!((mean(100, 20, 180, 100) - 230.0).abs() < 8.0);
        assert!(mean(45, 45, 75, 75) < 40.0);
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = GrayImage::from_pixel(w, h, image::Luma([255]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn garbage_and_truncation_are_named() {
        assert!(matches!(
            decode(b"hello, not an image"),
            Err(Unreadable::DecodeFailed { .. })
        ));
        let mut bytes = png(1200, 1700);
        bytes.truncate(bytes.len() / 2);
        assert!(matches!(
            decode(&bytes),
            Err(Unreadable::DecodeFailed { .. })
        ));
        assert!(matches!(decode(&[]), Err(Unreadable::DecodeFailed { .. })));
    }

    #[test]
    fn small_and_huge_images_are_named() {
        assert!(matches!(
            decode(&png(300, 400)),
            Err(Unreadable::ImageTooSmall {
                width: 300,
                height: 400
            })
        ));
        // A PNG header claiming 60,000 x 60,000 px: rejected before any allocation.
        let mut bytes = png(1200, 1700);
        bytes[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        match decode(&bytes) {
            Err(Unreadable::ImageTooLarge { .. }) | Err(Unreadable::DecodeFailed { .. }) => {}
            Err(other) => panic!("unexpected outcome {other}"),
            Ok(_) => panic!("a 60k x 60k header must not decode"),
        }
    }

    /// The table expansion must agree with the image crate's own, pixel for pixel.
    #[test]
    fn bilevel_tiff_matches_the_general_decoder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../sample_scans/barnet-and-camden-box-001");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "tif") {
                let bytes = std::fs::read(&path).unwrap();
                let fast = decode_raw(&bytes).unwrap().image;
                let general = image::load_from_memory(&bytes).unwrap().into_luma8();
                assert_eq!(fast.dimensions(), general.dimensions());
                assert!(fast.as_raw() == general.as_raw(), "{}", path.display());
                seen += 1;
            }
        }
        assert!(seen >= 4);
        // An odd width (a part-filled last byte per row) through the synth's G4 writer.
        let (w, h) = (1203usize, 1111usize);
        let grey: Vec<u8> = (0..w * h)
            .map(|i| {
                if (i % w * 7 + i / w * 3) % 11 < 4 {
                    0
                } else {
                    255
                }
            })
            .collect();
        let bytes = ecount_synth::scanner::g4_tiff(&grey, w, h, 200, 128).unwrap();
        assert_eq!(decode_raw(&bytes).unwrap().image.as_raw(), &grey);
    }

    /// The runs of a G4 TIFF painted straight to grey match the tiff crate's pixels, in one
    /// strip (WhiteIsZero, our scanner's) and in 36 (BlackIsZero, as libtiff writes through
    /// Pillow: `im.save(f, compression="group4", strip_size=16384)` of sample p000028).
    #[test]
    fn g4_runs_match_the_tiff_crate() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for path in [
            dir.join("../../sample_scans/barnet-and-camden-box-001/p000028.tif"),
            dir.join("tests/data/p000028-g4-36-strips-blackiszero.tif"),
        ] {
            let bytes = std::fs::read(&path).unwrap();
            let mut dec = tiff::decoder::Decoder::new(Cursor::new(&bytes[..])).unwrap();
            let (w, h) = dec.dimensions().unwrap();
            let (runs, _) = g4_strips(&mut dec, &bytes, w, h).expect("a G4 TIFF in strips");
            let general = image::load_from_memory(&bytes).unwrap().into_luma8();
            assert!(runs.as_raw() == general.as_raw(), "{}", path.display());
            assert!(runs.as_raw().contains(&0));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Coded data damaged anywhere (a bad sector, a cut transfer) decodes to a page of its
        /// declared size or is named, never a panic: each strip's runs are bounded by the line.
        #[test]
        fn damaged_g4_data_is_a_page_or_a_named_fault(
            hits in proptest::collection::vec((0.0f64..1.0, 0u8..=255), 1..6),
            cut in proptest::option::of(0.5f64..1.0),
        ) {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let mut bytes =
                std::fs::read(dir.join("tests/data/p000028-g4-36-strips-blackiszero.tif")).unwrap();
            // Hits fall in the coded strips, whose directory says the page is 1657 x 2777.
            let mut dec = tiff::decoder::Decoder::new(Cursor::new(&bytes[..])).unwrap();
            let offsets = dec.get_tag_u64_vec(tiff::tags::Tag::StripOffsets).unwrap();
            let counts = dec.get_tag_u64_vec(tiff::tags::Tag::StripByteCounts).unwrap();
            let from = *offsets.iter().min().unwrap() as usize;
            let to = offsets.iter().zip(&counts).map(|(o, c)| o + c).max().unwrap() as usize;
            let span = (to - from) as f64;
            for (at, v) in hits {
                bytes[from + (at * span) as usize] = v;
            }
            if let Some(keep) = cut {
                bytes.truncate(from + (keep * span) as usize);
            }
            // Whatever the tiff crate still decodes, the runs decode the same.
            let general = image::load_from_memory(&bytes).map(|i| undither(i.into_luma8()));
            match (decode(&bytes), general) {
                (Ok(d), Ok(g)) => proptest::prop_assert!(d.image.as_raw() == g.as_raw()),
                (Err(e), Ok(_)) => proptest::prop_assert!(false, "{e:?}"),
                (Ok(d), Err(_)) => proptest::prop_assert_eq!(d.image.dimensions(), (1657, 2777)),
                (Err(_), Err(_)) => {}
            }
        }
    }

    /// The dither test made on a G4 page's runs decides as the one made on its pixels: a
    /// dithered page (grey paper at 230 and 160, error-diffused) comes back grey, a
    /// thresholded one as it is, whichever photometric the file has.
    #[test]
    fn the_dither_test_on_runs_decides_as_on_pixels() {
        let mut grey = GrayImage::from_pixel(1203, 1111, image::Luma([230]));
        for (x, y, p) in grey.enumerate_pixels_mut() {
            if (x / 100 + y / 100) % 3 == 0 {
                p[0] = 160;
            }
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dots = dither(&grey);
        let (w, h) = (1203, 1111);
        let pages = [
            ecount_synth::scanner::g4_tiff(dots.as_raw(), w, h, 200, 128).unwrap(),
            std::fs::read(dir.join("tests/data/p000028-g4-36-strips-blackiszero.tif")).unwrap(),
            std::fs::read(dir.join("../../sample_scans/barnet-and-camden-box-001/p000029.tif"))
                .unwrap(),
        ];
        for (i, bytes) in pages.iter().enumerate() {
            let general = image::load_from_memory(bytes).unwrap().into_luma8();
            let (gw, gh) = general.dimensions();
            let by_pixels = dithered(general.as_raw(), gw as usize, gh as usize);
            assert_eq!(by_pixels, i == 0, "page {i}");
            let got = decode(bytes).unwrap().image;
            assert!(got.as_raw() == undither(general).as_raw(), "page {i}");
        }
    }

    #[test]
    fn runs_are_painted_as_fax_reads_them() {
        // Coded black paints 0 under WhiteIsZero, 255 under BlackIsZero.
        for black in [0u8, 255] {
            let pels = |changes: &[u16], w: u16| -> Vec<u8> {
                fax::decoder::pels(changes, w)
                    .map(|c| {
                        if c == fax::Color::Black {
                            black
                        } else {
                            255 - black
                        }
                    })
                    .collect()
            };
            for changes in [
                &[][..],
                &[0],
                &[1],
                &[3, 5],
                &[3, 4],
                &[3, 5, 9],
                &[0, 12],
                &[4, 2, 8],
                &[5, 20, 30],
                &[12, 12, 12],
            ] {
                let mut row = vec![255 - black; 12];
                let mut singles = Vec::new();
                fill_runs(&mut row, changes, black, Some(&mut singles));
                assert_eq!(row, pels(changes, 12), "{changes:?}");
                // The dither test needs every pixel of 0 with no 0 beside it on the row, and
                // nothing that is not 0.
                let alone = |x: usize| {
                    row[x] == 0 && (x == 0 || row[x - 1] != 0) && (x == 11 || row[x + 1] != 0)
                };
                assert!(singles.iter().all(|&x| row[x] == 0), "{changes:?}");
                assert!(
                    (0..12).filter(|&x| alone(x)).all(|x| singles.contains(&x)),
                    "{black} {changes:?}"
                );
            }
        }
    }

    /// TIFF's default rows per strip, 2^32 - 1, is one strip: read, where the tiff crate
    /// refused more than 65,535 rows per strip and the page was set aside.
    #[test]
    fn a_strip_of_more_rows_than_the_page_is_the_page() {
        let (w, h) = (1203usize, 1111usize);
        let grey: Vec<u8> = (0..w * h)
            .map(|i| {
                if (i % w / 40 + i / w / 30) % 4 == 0 {
                    0
                } else {
                    255
                }
            })
            .collect();
        let mut bytes = ecount_synth::scanner::g4_tiff(&grey, w, h, 200, 128).unwrap();
        // RowsPerStrip (278), LONG, count 1, value h: little-endian in the directory.
        let mut entry = [0u8; 12];
        entry[..2].copy_from_slice(&278u16.to_le_bytes());
        entry[2..4].copy_from_slice(&4u16.to_le_bytes());
        entry[4..8].copy_from_slice(&1u32.to_le_bytes());
        entry[8..].copy_from_slice(&(h as u32).to_le_bytes());
        let at = bytes.windows(12).position(|e| e == entry).unwrap();
        bytes[at + 8..at + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(image::load_from_memory(&bytes).is_err());
        assert_eq!(decode(&bytes).unwrap().image.as_raw(), &grey);
    }

    /// Grey and colour JPEGs decode to the luminance the image crate gives, within rounding
    /// (the image crate takes luma of the clipped, upsampled RGB; we take the coded luma).
    #[test]
    fn jpeg_luma_matches_the_general_decoder() {
        let (w, h) = (1300u32, 1150u32);
        // Tinted paper with dark and coloured strokes, like a colour scan.
        let rgb = image::RgbImage::from_fn(w, h, |x, y| {
            if (x / 7 + y / 13) % 9 == 0 {
                image::Rgb([30, 40, 150])
            } else if (x + 2 * y) % 97 < 3 {
                image::Rgb([20, 20, 20])
            } else {
                image::Rgb([240, 235, (215 + (x + y) % 20) as u8])
            }
        });
        for img in [
            image::DynamicImage::ImageRgb8(rgb.clone()),
            image::DynamicImage::ImageLuma8(image::DynamicImage::ImageRgb8(rgb).into_luma8()),
        ] {
            let mut bytes = Vec::new();
            img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
                .unwrap();
            let fast = decode(&bytes).unwrap().image;
            let general = image::load_from_memory(&bytes).unwrap().into_luma8();
            assert_eq!(fast.dimensions(), general.dimensions());
            let diffs: Vec<u8> = fast
                .as_raw()
                .iter()
                .zip(general.as_raw())
                .map(|(a, b)| a.abs_diff(*b))
                .collect();
            let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
            assert!(mean < 1.0, "mean difference {mean}");
            assert!(
                diffs.iter().all(|&d| d <= 24),
                "a pixel differs by more than 24"
            );
        }
    }

    #[test]
    fn plain_page_decodes() {
        let d = decode(&png(1200, 1700)).unwrap();
        assert_eq!(d.image.dimensions(), (1200, 1700));
    }
}
