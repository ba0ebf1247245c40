//! `ecount generate`: render a scan-folder tree of synthetic ballot papers with ground truth.

use anyhow::Context;
use ecount_election::Election;
use ecount_synth::{write_scan_tree, Mix, OutputFormat, RenderOptions};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
    /// Output folder: one sub-folder per ballot box, with manifest.toml and truth.jsonl.
    #[arg(long)]
    out: PathBuf,
    /// Number of pages to generate.
    #[arg(long)]
    ballots: u64,
    /// Seed: the same seed and options give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Scan resolution (72..=600; the spec's range is 150..=300).
    #[arg(long, default_value_t = 200)]
    dpi: u32,
    /// File format: png, jpeg or tiff (CCITT G4, always bilevel).
    #[arg(long, default_value = "jpeg")]
    format: OutputFormat,
    /// Threshold every page to black and white.
    #[arg(long)]
    bilevel: bool,
    /// Fixed JPEG quality (default: drawn from 60..=95 per page).
    #[arg(long)]
    jpeg_quality: Option<u8>,
    /// What voters and scanners do: clean, realistic (like London 2016) or hard.
    #[arg(long, default_value = "realistic")]
    mix: Mix,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let election = Election::load(&args.election).context("loading the election definition")?;
    let opts = RenderOptions {
        dpi: args.dpi,
        format: args.format,
        bilevel: args.bilevel,
        jpeg_quality: args.jpeg_quality,
    };
    let bar = ProgressBar::new(args.ballots);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} pages, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let summary = write_scan_tree(
        &election,
        &args.out,
        args.ballots,
        args.seed,
        args.mix,
        &opts,
        &|n| bar.inc(n),
    )
    .with_context(|| format!("writing the scan tree under {}", args.out.display()))?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} pages in {} batches under {} ({:.1} s, {:.0} ms per page over all threads)",
        summary.files,
        summary.batches.len(),
        args.out.display(),
        secs,
        secs * 1000.0 / summary.files.max(1) as f64
    );
    for (case, n) in &summary.cases {
        println!("  {case:<22} {n}");
    }
    let wrong: Vec<&str> = summary
        .batches
        .iter()
        .filter(|b| b.manifest_disagrees)
        .map(|b| b.batch.as_str())
        .collect();
    if !wrong.is_empty() {
        println!("manifests deliberately wrong: {}", wrong.join(", "));
    }
    Ok(())
}
