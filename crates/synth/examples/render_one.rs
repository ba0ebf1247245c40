//! Renders a few pages of a mix into a folder and prints the time per page:
//! `cargo run --release -p ecount-synth --example render_one -- elections/gla-2016.toml OUT N [mix] [format] [dpi]`
use ecount_election::Election;
use ecount_synth::{generate_paper, Mix, OutputFormat, RenderOptions};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let election = Election::load(
        a.get(1)
            .map(String::as_str)
            .unwrap_or("elections/gla-2016.toml"),
    )?;
    let out = std::path::PathBuf::from(a.get(2).map(String::as_str).unwrap_or("/tmp/synth-out"));
    let n: u64 = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
    let mix: Mix = a
        .get(4)
        .map(String::as_str)
        .unwrap_or("realistic")
        .parse()?;
    let format: OutputFormat = a.get(5).map(String::as_str).unwrap_or("jpeg").parse()?;
    let dpi: u32 = a.get(6).and_then(|s| s.parse().ok()).unwrap_or(200);
    std::fs::create_dir_all(&out)?;
    let opts = RenderOptions {
        dpi,
        format,
        ..Default::default()
    };
    let t = Instant::now();
    for i in 0..n {
        let p = generate_paper(&election, 1, i, mix, &opts);
        std::fs::write(out.join(&p.file_name), &p.bytes)?;
        println!(
            "{} {} {:?} {} bytes",
            p.file_name,
            p.truth.case,
            p.truth.kind,
            p.bytes.len()
        );
    }
    println!(
        "{:.1} ms per page",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
    Ok(())
}
