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

/// Decodes PNG, JPEG or TIFF (including CCITT G4) of any bit depth or colour to luminance.
pub fn decode(bytes: &[u8]) -> Result<Decoded, Unreadable> {
    // The header is read first so that an oversized page is refused before any allocation.
    let (width, height) = reader(bytes)?
        .into_dimensions()
        .map_err(|e| limit_or_failed(e, bytes))?;
    check_size(width, height)?;
    let image = reader(bytes)?
        .decode()
        .map_err(|e| limit_or_failed(e, bytes))?;
    Ok(Decoded {
        image: image.into_luma8(),
    })
}

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

    #[test]
    fn plain_page_decodes() {
        let d = decode(&png(1200, 1700)).unwrap();
        assert_eq!(d.image.dimensions(), (1200, 1700));
    }
}
