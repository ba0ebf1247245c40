//! Throughput measurements behind `ecount bench`: a corpus rendered once (cached), then
//! (a) decode only, (b) decode and read, (c) the whole scan into a fresh store, each on a
//! given number of threads, with the peak resident memory of each run.

use crate::scan::{read_guarded, scan, Quiet, ScanOptions};
use crate::walk::{find_batches, image_files};
use ecount_election::Election;
use ecount_store::SqliteStore;
use ecount_synth::{write_scan_tree, Mix, OutputFormat, RenderOptions};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("rendering the corpus into {dir}: {message}")]
    Corpus { dir: String, message: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Walk(#[from] crate::walk::WalkError),
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    #[error(transparent)]
    Store(#[from] ecount_store::StoreError),
    #[error("cannot start {0} threads")]
    Threads(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    DecodeOnly,
    DecodeAndRead,
    WholeScan,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Self::DecodeOnly => "(a) decode only",
            Self::DecodeAndRead => "(b) decode and read",
            Self::WholeScan => "(c) whole scan",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    pub stage: Stage,
    pub threads: usize,
    pub papers: u64,
    pub seconds: f64,
    /// Peak resident set during this run (VmHWM, reset before it), in KiB.
    pub peak_rss_kib: Option<u64>,
}

impl Measurement {
    pub fn papers_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.papers as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// The default render options of bench corpora: 200-dpi JPEG, the page the brief's decode
/// cost (about 10 ms a core) refers to. Other corpora are asked for with `ecount bench --dpi
/// --format --bilevel`.
pub fn corpus_options() -> RenderOptions {
    RenderOptions {
        dpi: 200,
        format: OutputFormat::Jpeg,
        bilevel: false,
        jpeg_quality: None,
    }
}

/// Renders `ballots` realistic papers under `cache` once; later calls with the same arguments
/// reuse them.
pub fn corpus(
    election: &Election,
    ballots: u64,
    seed: u64,
    opts: &RenderOptions,
    cache: &Path,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<PathBuf, BenchError> {
    let kind = format!(
        "{}{}{}",
        opts.format.name(),
        opts.dpi,
        if opts.bilevel { "-bilevel" } else { "" }
    );
    let dir = cache.join(format!("{}-{ballots}-{seed}-{kind}", election.id));
    let done = dir.join(".complete");
    if done.is_file() {
        return Ok(dir);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    write_scan_tree(
        election,
        &dir,
        ballots,
        seed,
        Mix::Realistic,
        opts,
        progress,
    )
    .map_err(|e| BenchError::Corpus {
        dir: dir.display().to_string(),
        message: e.to_string(),
    })?;
    std::fs::write(&done, b"")?;
    Ok(dir)
}

/// Every image under `root`, in scan order.
pub fn corpus_files(root: &Path) -> Result<Vec<PathBuf>, BenchError> {
    let mut files = Vec::new();
    for b in find_batches(root)? {
        files.extend(image_files(&b.folder)?);
    }
    Ok(files)
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, BenchError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|_| BenchError::Threads(threads))
}

fn timed(
    stage: Stage,
    threads: usize,
    f: impl FnOnce() -> Result<u64, BenchError>,
) -> Result<Measurement, BenchError> {
    let reset = reset_peak_rss();
    let t = Instant::now();
    let papers = f()?;
    let seconds = t.elapsed().as_secs_f64();
    Ok(Measurement {
        stage,
        threads,
        papers,
        seconds,
        peak_rss_kib: if reset { peak_rss_kib() } else { None },
    })
}

/// (a) Reads each file and decodes it with the reader's own decode function.
pub fn decode_only(files: &[PathBuf], threads: usize) -> Result<Measurement, BenchError> {
    let pool = pool(threads)?;
    timed(Stage::DecodeOnly, threads, || {
        let ok = AtomicU64::new(0);
        pool.install(|| {
            files.par_iter().for_each(|p| {
                if let Ok(bytes) = std::fs::read(p) {
                    if ecount_scan::decode::decode(&bytes).is_ok() {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        });
        tracing::debug!(decoded = ok.load(Ordering::Relaxed), "decode only");
        Ok(files.len() as u64)
    })
}

/// (b) Reads each file and runs the whole reader on it.
pub fn decode_and_read(
    files: &[PathBuf],
    election: &Election,
    threads: usize,
) -> Result<Measurement, BenchError> {
    let pool = pool(threads)?;
    timed(Stage::DecodeAndRead, threads, || {
        pool.install(|| {
            files.par_iter().for_each(|p| {
                if let Ok(bytes) = std::fs::read(p) {
                    let _ = read_guarded(&bytes, election);
                }
            })
        });
        Ok(files.len() as u64)
    })
}

/// (c) `scan` of the corpus into a fresh store in `work_dir`.
pub fn whole_scan(
    root: &Path,
    election: &Election,
    threads: usize,
    work_dir: &Path,
) -> Result<Measurement, BenchError> {
    let db = work_dir.join(format!("bench-{threads}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let m = timed(Stage::WholeScan, threads, || {
        let mut store = SqliteStore::open(&db)?;
        let opts = ScanOptions {
            threads,
            ..ScanOptions::default()
        };
        let summary = scan(root, election, &mut store, &opts, &Quiet)?;
        Ok(summary.files_seen)
    });
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    m
}

/// CPU time (user + system) this process has used so far, in seconds, on Linux. Unlike wall
/// time it barely moves when other work shares the machine.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at state, field 3.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks: 100 per second on every Linux this runs on (USER_HZ).
    Some((utime + stime) / 100.0)
}

/// The process's peak resident set (VmHWM) in KiB, on Linux.
pub fn peak_rss_kib() -> Option<u64> {
    status_field("VmHWM:")
}

/// The process's current resident set (VmRSS) in KiB, on Linux.
pub fn rss_kib() -> Option<u64> {
    status_field("VmRSS:")
}

fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// Resets the peak resident set to the current one (Linux `clear_refs` value 5), so each run
/// reports its own peak. False where that is not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        if cfg!(target_os = "linux") {
            let before = cpu_seconds().unwrap();
            let t = Instant::now();
            let mut x = 0u64;
            while t.elapsed().as_millis() < 300 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            let used = cpu_seconds().unwrap() - before;
            assert!(used >= 0.1, "used {used} s of CPU");
        }
    }

    #[test]
    fn memory_figures_are_read() {
        if cfg!(target_os = "linux") {
            let rss = rss_kib().unwrap();
            assert!(rss > 0);
            // Touch 64 MiB so the peak must lie above the current figure from before.
            let v = std::hint::black_box(vec![1u8; 64 << 20]);
            let peak = peak_rss_kib().unwrap();
            assert!(peak >= rss + (60 << 10), "peak {peak} rss {rss}");
            drop(v);
        }
    }
}
