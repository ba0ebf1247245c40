//! `ecount bench`: renders a corpus once (cached) and measures decode only, decode and read,
//! and the whole scan into a fresh store, on one thread and on all of them.

use anyhow::Context;
use ecount_election::Election;
use ecount_pipeline::bench::{
    corpus, corpus_files, decode_and_read, decode_only, whole_scan, Measurement, Stage,
};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
    /// Papers in the corpus.
    #[arg(long, default_value_t = 2000)]
    ballots: u64,
    /// Most threads to measure with (default: every core); one thread is always measured too.
    #[arg(long)]
    threads: Option<usize>,
    /// Where corpora are kept between runs (default: $XDG_CACHE_HOME/ecount-bench, else
    /// ~/.cache/ecount-bench, else target/bench-cache).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Scan resolution of the corpus.
    #[arg(long, default_value_t = 200)]
    dpi: u32,
    /// File format of the corpus: jpeg, png or tiff (CCITT G4).
    #[arg(long, default_value = "jpeg")]
    format: ecount_synth::OutputFormat,
    /// Threshold the corpus to black and white (a TIFF corpus always is).
    #[arg(long)]
    bilevel: bool,
    /// Corpus seed.
    #[arg(long, default_value_t = 2016)]
    seed: u64,
    /// Rounds of all the measurements, run in turn; each one's fastest run is kept (other
    /// work on the machine only ever slows a run down).
    #[arg(long, default_value_t = 1)]
    repeat: u32,
    /// Parts the corpus is measured in, each a set of whole batches running every stage in
    /// turn, so that drift in a shared machine's speed falls on all stages alike.
    #[arg(long, default_value_t = 4)]
    slices: usize,
    /// Internal: run one measurement in this process and print it as JSON (each measurement
    /// runs in a fresh process so that its peak memory is its own).
    #[arg(long, hide = true, requires = "corpus")]
    stage: Option<String>,
    /// Internal: the corpus folder for `--stage`.
    #[arg(long, hide = true)]
    corpus: Option<PathBuf>,
}

fn stage_name(s: Stage) -> &'static str {
    match s {
        Stage::DecodeOnly => "decode",
        Stage::DecodeAndRead => "read",
        Stage::WholeScan => "scan",
    }
}

/// One measurement, in this process; prints `papers seconds peak_rss_kib`.
fn run_stage(
    election: &Election,
    stage: &str,
    threads: usize,
    root: &std::path::Path,
) -> anyhow::Result<()> {
    let cpu_at_start = ecount_pipeline::bench::cpu_seconds().unwrap_or(0.0);
    let files = corpus_files(root)?;
    let m = match stage {
        "decode" => decode_only(&files, threads)?,
        "read" => decode_and_read(&files, election, threads)?,
        "scan" => {
            let work = tempfile_dir(root)?;
            let m = whole_scan(root, election, threads, &work);
            let _ = std::fs::remove_dir_all(&work);
            m?
        }
        other => anyhow::bail!("unknown stage '{other}'"),
    };
    // The whole process's peak: everything this measurement needed, nothing else.
    let peak = ecount_pipeline::bench::peak_rss_kib().unwrap_or(0);
    let cpu = ecount_pipeline::bench::cpu_seconds().unwrap_or(0.0) - cpu_at_start;
    println!("{} {} {} {}", m.papers, m.seconds, peak, cpu);
    Ok(())
}

/// Runs one measurement in a child process of this same binary.
fn measure(
    election_file: &std::path::Path,
    stage: Stage,
    threads: usize,
    root: &std::path::Path,
) -> anyhow::Result<(Measurement, f64)> {
    let exe = std::env::current_exe().context("finding the ecount binary")?;
    let out = std::process::Command::new(exe)
        .arg("bench")
        .arg("--election")
        .arg(election_file)
        .args([
            "--stage",
            stage_name(stage),
            "--threads",
            &threads.to_string(),
        ])
        .arg("--corpus")
        .arg(root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running a measurement")?;
    if !out.status.success() {
        anyhow::bail!("measurement {} on {threads} threads failed", stage.label());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let mut next = || parts.next().unwrap_or("");
    let papers: u64 = next().parse().context("measurement output")?;
    let seconds: f64 = next().parse().context("measurement output")?;
    let peak: u64 = next().parse().context("measurement output")?;
    let cpu: f64 = next().parse().context("measurement output")?;
    Ok((
        Measurement {
            stage,
            threads,
            papers,
            seconds,
            peak_rss_kib: (peak > 0).then_some(peak),
        },
        cpu,
    ))
}

fn cache_dir(arg: Option<PathBuf>) -> PathBuf {
    if let Some(c) = arg {
        return c;
    }
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("ecount-bench");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(h).join(".cache/ecount-bench");
    }
    PathBuf::from("target/bench-cache")
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let election = Election::load(&args.election).context("loading the election definition")?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = args.threads.unwrap_or(cores).max(1);
    if let (Some(stage), Some(root)) = (&args.stage, &args.corpus) {
        return run_stage(&election, stage, most, root);
    }
    let cache = cache_dir(args.cache);
    eprintln!("corpus: {} papers under {}", args.ballots, cache.display());
    let bar = indicatif::ProgressBar::new(args.ballots);
    let opts = ecount_synth::RenderOptions {
        dpi: args.dpi,
        format: args.format,
        bilevel: args.bilevel || args.format == ecount_synth::OutputFormat::Tiff,
        jpeg_quality: None,
    };
    let root = corpus(&election, args.ballots, args.seed, &opts, &cache, &|n| {
        bar.set_position(n)
    })
    .context("rendering the bench corpus")?;
    bar.finish_and_clear();
    let files = corpus_files(&root)?.len();
    eprintln!("{files} files in {}", root.display());

    let mut thread_counts = vec![1];
    if most > 1 {
        thread_counts.push(most);
    }
    let mut results: Vec<Measurement> = Vec::new();
    println!(
        "{:<22} {:>7} {:>7} {:>9} {:>11} {:>10} {:>13}",
        "stage", "threads", "papers", "seconds", "papers/s", "peak RSS", "CPU ms/paper"
    );
    // Each round runs every stage on each slice in turn, and a stage's round total is the sum
    // over slices; each stage keeps its fastest round. The speed of a shared machine drifts
    // over minutes: interleaving gives every stage the same chances.
    let slices = make_slices(&root, args.slices.max(1))?;
    let keys: Vec<(usize, Stage)> = thread_counts
        .iter()
        .flat_map(|&t| [Stage::DecodeOnly, Stage::DecodeAndRead, Stage::WholeScan].map(|s| (t, s)))
        .collect();
    // Per key: its measurement and CPU seconds, fastest round so far.
    let mut best: Vec<Option<(Measurement, f64)>> = vec![None; keys.len()];
    for _ in 0..args.repeat.max(1) {
        let mut round: Vec<Option<(Measurement, f64)>> = vec![None; keys.len()];
        for slice in &slices {
            for (&(t, stage), total) in keys.iter().zip(&mut round) {
                let (m, cpu) = measure(&args.election, stage, t, slice)?;
                match total {
                    None => *total = Some((m, cpu)),
                    Some((sum, sum_cpu)) => {
                        sum.papers += m.papers;
                        sum.seconds += m.seconds;
                        sum.peak_rss_kib = sum.peak_rss_kib.max(m.peak_rss_kib);
                        *sum_cpu += cpu;
                    }
                }
            }
        }
        for (b, r) in best.iter_mut().zip(round) {
            *b = match (b.take(), r) {
                (Some((mut m, cpu)), Some((r, r_cpu))) => {
                    m.seconds = m.seconds.min(r.seconds);
                    m.peak_rss_kib = m.peak_rss_kib.max(r.peak_rss_kib);
                    Some((m, cpu.min(r_cpu)))
                }
                (b, r) => b.or(r),
            };
        }
    }
    let best = keys
        .iter()
        .zip(best)
        .filter_map(|(&(t, stage), b)| b.map(|(m, cpu)| (stage, t, m, cpu)));
    let mut cpu_per_paper: Vec<(Stage, usize, f64)> = Vec::new();
    for (stage, t, m, cpu) in best {
        let per = 1000.0 * cpu / m.papers.max(1) as f64;
        cpu_per_paper.push((stage, t, per));
        println!(
            "{:<22} {:>7} {:>7} {:>9.2} {:>11.1} {:>10} {:>13.1}",
            m.stage.label(),
            m.threads,
            m.papers,
            m.seconds,
            m.papers_per_second(),
            mib(m.peak_rss_kib),
            per
        );
        results.push(m);
    }
    let rate = |s: Stage, t: usize| {
        results
            .iter()
            .find(|m| m.stage == s && m.threads == t)
            .map(Measurement::papers_per_second)
    };
    println!();
    for &t in &thread_counts {
        let threads = if t == 1 { "1 thread" } else { "all threads" };
        if let (Some(c), Some(a)) = (rate(Stage::WholeScan, t), rate(Stage::DecodeOnly, t)) {
            println!(
                "whole scan / decode only, {threads}: {:.1}%  (target >= 85%)",
                100.0 * c / a
            );
        }
        // The pipeline's own cost (hashing, channels, store) shows against decode and read.
        if let (Some(c), Some(b)) = (rate(Stage::WholeScan, t), rate(Stage::DecodeAndRead, t)) {
            println!(
                "whole scan / decode and read, {threads}: {:.1}%",
                100.0 * c / b
            );
        }
    }
    if most > 1 {
        for s in [Stage::DecodeOnly, Stage::DecodeAndRead, Stage::WholeScan] {
            if let (Some(one), Some(many)) = (rate(s, 1), rate(s, most)) {
                println!(
                    "speed-up 1 -> {most} threads, {}: {:.2}x{}",
                    s.label(),
                    many / one,
                    if s == Stage::WholeScan && most == 2 {
                        "  (target >= 1.8x)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    // CPU time per paper does not depend on other load on the machine: the pipeline's own
    // cost is the whole scan's CPU beyond decode and read.
    let cpu = |s: Stage| {
        cpu_per_paper
            .iter()
            .find(|c| c.0 == s && c.1 == 1)
            .map(|c| c.2)
    };
    if let (Some(a), Some(b), Some(c)) = (
        cpu(Stage::DecodeOnly),
        cpu(Stage::DecodeAndRead),
        cpu(Stage::WholeScan),
    ) {
        println!(
            "CPU per paper on 1 thread: decode {a:.1} ms, decode and read {b:.1} ms, whole scan \
             {c:.1} ms (pipeline and store {:.1} ms); CPU-bound ceiling of whole scan / decode \
             only: {:.1}%",
            c - b,
            100.0 * a / c
        );
    }
    if let Some(peak) = results
        .iter()
        .filter(|m| m.stage == Stage::WholeScan)
        .filter_map(|m| m.peak_rss_kib)
        .max()
    {
        println!(
            "peak RSS of a whole-scan process: {}  (target < 300 MiB at 20,000 papers)",
            mib(Some(peak))
        );
    }
    Ok(())
}

/// Splits the corpus into `n` folders of links to whole batches (round robin), beside the
/// corpus; with one slice, or where links cannot be made, the corpus itself.
fn make_slices(root: &std::path::Path, n: usize) -> anyhow::Result<Vec<PathBuf>> {
    let batches = ecount_pipeline::walk::find_batches(root)?;
    if n <= 1 || batches.len() < n || !cfg!(unix) {
        return Ok(vec![root.to_path_buf()]);
    }
    let name = root
        .file_name()
        .map_or_else(|| "corpus".into(), |s| s.to_string_lossy().into_owned());
    let base = root.with_file_name(format!("{name}-slices-{n}"));
    let _ = std::fs::remove_dir_all(&base);
    let mut out = Vec::new();
    for k in 0..n {
        let dir = base.join(format!("slice-{k}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for (i, b) in batches.iter().enumerate().skip(k).step_by(n) {
            let folder = std::fs::canonicalize(&b.folder)?;
            let link = dir.join(format!("{i:04}-{}", b.id.replace(['/', '\\'], "_")));
            link_dir(&folder, &link).with_context(|| format!("linking {}", link.display()))?;
        }
        out.push(dir);
    }
    Ok(out)
}

#[cfg(unix)]
fn link_dir(target: &std::path::Path, link: &std::path::Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn link_dir(_: &std::path::Path, _: &std::path::Path) -> std::io::Result<()> {
    Err(std::io::Error::other("folder links are made on Unix only"))
}

fn tempfile_dir(cache: &std::path::Path) -> anyhow::Result<PathBuf> {
    let dir = cache.join(format!("work-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
