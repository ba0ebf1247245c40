//! Development aid: render one page and save it with its truth and reading.
//! cargo run --release -p ecount-scan --example one -- MIX SEED INDEX DPI FORMAT [bilevel] OUT
use ecount_election::Election;
use ecount_synth::{generate_paper, Mix, OutputFormat, RenderOptions};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let mix: Mix = a[1].parse().unwrap();
    let seed: u64 = a[2].parse().unwrap();
    let index: u64 = a[3].parse().unwrap();
    let dpi: u32 = a[4].parse().unwrap();
    let format: OutputFormat = a[5].parse().unwrap();
    let bilevel = a.get(6).is_some_and(|s| s == "bilevel");
    let out = a.last().unwrap();
    let e = Election::load("elections/gla-2016.toml").unwrap();
    let opts = RenderOptions {
        dpi,
        format,
        bilevel,
        jpeg_quality: None,
    };
    let p = generate_paper(&e, seed, index, mix, &opts);
    std::fs::write(out, &p.bytes).unwrap();
    println!("{}", serde_json::to_string(&p.truth).unwrap());
    match ecount_scan::read_ballot(&p.bytes, &e) {
        Ok(r) => println!("{}", serde_json::to_string(&r).unwrap()),
        Err(u) => println!("{u}"),
    }
}
