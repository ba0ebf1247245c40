//! Times each stage of drawing one 200-dpi Mayor paper (print, scan, encode).
use ecount_election::Election;
use ecount_synth::paper::{print, PrintSpec};
use ecount_synth::scanner::{encode, scan, ScanParams};
use ecount_synth::OutputFormat;
use rand::SeedableRng;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let e = Election::load("elections/gla-2016.toml")?;
    let style = &e.styles[0];
    let spec = PrintSpec::for_style(&e, style);
    let t = Instant::now();
    let c = print(&spec, 200, 1);
    println!("print {:?} ({}x{})", t.elapsed(), c.width, c.height);
    let p = ScanParams {
        angle_deg: 1.2,
        upside_down: false,
        scale: 1.0,
        margins_mm: [5.0; 4],
        background: 30,
        paper_white: 240,
        print_black: 20,
        uneven: 0.05,
        blur_px: 0.7,
        noise: 3.0,
        colour: false,
        bilevel_threshold: None,
        format: OutputFormat::Jpeg,
        jpeg_quality: Some(80),
        dpi: 200,
        dust: 6,
        creases: Vec::new(),
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let t = Instant::now();
    let s = scan(&c, &p, &mut rng);
    println!("scan {:?}", t.elapsed());
    let t = Instant::now();
    let b = encode(&s, &p)?;
    println!("encode {:?} {} bytes", t.elapsed(), b.len());
    Ok(())
}
