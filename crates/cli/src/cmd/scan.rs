//! `ecount scan`: reads every batch folder under a scan root into the count store, with a
//! progress bar, then prints the summary, the batch verification and provisional results.

use anyhow::Context;
use ecount_election::Election;
use ecount_pipeline::{provisional_text, scan, Observer, PaperEvent, ScanOptions};
use ecount_store::SqliteStore;
use ecount_tally::Tally;
use indicatif::{ProgressBar, ProgressStyle};
use std::cell::Cell;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Folder of batch folders (one per ballot box; images directly in it form a batch too).
    scan_root: PathBuf,
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
    /// The count store (SQLite); created if missing, resumed if not.
    #[arg(long, default_value = "count.db")]
    db: PathBuf,
    /// Reader threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Papers per store transaction.
    #[arg(long, default_value_t = 256)]
    papers_per_transaction: usize,
    /// No progress bar (it is hidden anyway when stderr is not a terminal).
    #[arg(long)]
    quiet: bool,
}

struct Progress {
    bar: ProgressBar,
    batches: Cell<u64>,
    batches_total: Cell<u64>,
    flagged: Cell<u64>,
    set_aside: Cell<u64>,
}

impl Progress {
    fn message(&self) {
        self.bar.set_message(format!(
            "flagged {}, set aside {}, batches {}/{}",
            self.flagged.get(),
            self.set_aside.get(),
            self.batches.get(),
            self.batches_total.get()
        ));
    }
}

impl Observer for Progress {
    fn started(&self, batches: usize, files: u64) {
        self.bar.set_length(files);
        self.batches_total.set(batches as u64);
        self.message();
    }
    fn paper(&self, _path: &str, event: PaperEvent<'_>) {
        match event {
            PaperEvent::Review => self.flagged.set(self.flagged.get() + 1),
            PaperEvent::SetAside { .. } => self.set_aside.set(self.set_aside.get() + 1),
            _ => {}
        }
        self.bar.inc(1);
    }
    fn committed(&self, _papers: usize, _live: &Tally) {
        self.message();
    }
    fn batch_done(&self, _batch_id: &str) {
        self.batches.set(self.batches.get() + 1);
        self.message();
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let election = Election::load(&args.election).context("loading the election definition")?;
    let mut store = SqliteStore::open(&args.db)
        .with_context(|| format!("opening the count store {}", args.db.display()))?;
    let mut opts = ScanOptions {
        papers_per_transaction: args.papers_per_transaction.max(1),
        ..ScanOptions::default()
    };
    if let Some(t) = args.threads {
        opts.threads = t.max(1);
    }
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} papers, {per_sec} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let progress = Progress {
        bar,
        batches: Cell::new(0),
        batches_total: Cell::new(0),
        flagged: Cell::new(0),
        set_aside: Cell::new(0),
    };
    let summary = scan(&args.scan_root, &election, &mut store, &opts, &progress)
        .with_context(|| format!("scanning {}", args.scan_root.display()))?;
    progress.bar.finish_and_clear();
    let text = format!(
        "{}\nProvisional results (papers counted so far; adjudication may change them)\n{}",
        summary.to_text(),
        provisional_text(&election, &summary.tally)
    );
    // A closed pipe (`| head`) is not an error of the count.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    Ok(())
}
