//! Writes a PNG preview of a scan (optionally a crop, then scaled): `preview IN OUT.png SCALE [x y w h]`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let img = image::open(&a[1])?;
    let scale: f32 = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(0.5);
    let img = if a.len() >= 8 {
        let n: Vec<u32> = a[4..8].iter().map(|s| s.parse().unwrap_or(0)).collect();
        img.crop_imm(n[0], n[1], n[2], n[3])
    } else {
        img
    };
    let (w, h) = (
        (img.width() as f32 * scale) as u32,
        (img.height() as f32 * scale) as u32,
    );
    img.resize(w.max(1), h.max(1), image::imageops::FilterType::Triangle)
        .save(&a[2])?;
    Ok(())
}
