//! The paper's image for the review page: read from the stored path, decoded under limits,
//! scaled down and sent as PNG (browsers cannot show the scanners' G4 TIFFs).

use crate::auth::require_user;
use crate::{ReviewError, Shared};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use ecount_store::CountStore;
use image::{ImageReader, Limits};
use std::io::Cursor;

/// Width of the image sent to the browser; the box outlines scale with it (SVG viewBox).
pub const VIEW_WIDTH: u32 = 1100;
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
const MAX_DIMENSION: u32 = 12_000;

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, String> {
    let mut r = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(400 * 1024 * 1024);
    r.limits(limits);
    Ok(r)
}

fn read_file(path: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{path}: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("{path}: {} bytes is too large to show", meta.len()));
    }
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

/// The image's size in pixels, from its header.
pub fn dimensions(path: &str) -> Result<(u32, u32), String> {
    let bytes = read_file(path)?;
    reader(&bytes)?
        .into_dimensions()
        .map_err(|e| format!("{path}: {e}"))
}

/// The scaled PNG of the image at `path`.
pub fn scaled_png(path: &str) -> Result<Vec<u8>, String> {
    let bytes = read_file(path)?;
    let img = reader(&bytes)?
        .decode()
        .map_err(|e| format!("{path}: {e}"))?
        .into_luma8();
    let (w, h) = img.dimensions();
    let img = if w > VIEW_WIDTH {
        let nh = ((u64::from(h) * u64::from(VIEW_WIDTH)) / u64::from(w)).max(1) as u32;
        image::imageops::resize(&img, VIEW_WIDTH, nh, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| format!("{path}: cannot encode preview: {e}"))?;
    Ok(out)
}

pub async fn paper_image(
    State(app): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ReviewError> {
    if let Err(r) = require_user(&app, &headers) {
        return Ok(r);
    }
    let path = app.store().paper(id)?.path;
    let png = tokio::task::spawn_blocking(move || scaled_png(&path))
        .await
        .map_err(|e| ReviewError::BadRequest(e.to_string()))?
        .map_err(|e| {
            tracing::warn!("paper {id}: {e}");
            ReviewError::NotFound
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        png,
    )
        .into_response())
}
