//! Time per rendered paper: 200-dpi Mayor papers of the realistic mix, JPEG, one thread.
//! Prints wall time and this process's CPU time per paper (CPU time is what matters on a
//! shared machine). `cargo run --release -p ecount-synth --example paper_time [N]`
use ecount_election::{Election, PaperKind};
use ecount_synth::{generate_paper, paper_truth, Mix, RenderOptions};
use std::time::Instant;

/// User + system CPU seconds of this process, from /proc (Linux); 0 elsewhere.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let e = Election::load("elections/gla-2016.toml")?;
    let o = RenderOptions::default();
    let idx: Vec<u64> = (0..10_000)
        .filter(|&i| paper_truth(&e, 1, i, Mix::Realistic, &o).kind == Some(PaperKind::Mayor))
        .take(n)
        .collect();
    let (t, c) = (Instant::now(), cpu_seconds());
    let mut bytes = 0;
    for &i in &idx {
        bytes += generate_paper(&e, 1, i, Mix::Realistic, &o).bytes.len();
    }
    let wall = t.elapsed().as_secs_f64() * 1000.0 / n as f64;
    let cpu = (cpu_seconds() - c) * 1000.0 / n as f64;
    println!(
        "{n} Mayor papers, 200 dpi JPEG: {wall:.0} ms wall, {cpu:.0} ms CPU per paper, {} kB each",
        bytes / n / 1000
    );
    Ok(())
}
