//! `ecount declare`: the declarations from the count store's current tally (machine readings
//! of counted papers plus the latest final decision on each adjudicated paper).

use super::replay::{emit, render, Format};
use anyhow::Context;
use ecount_election::Election;
use ecount_store::{CountStore, SqliteStore};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The count store written by `ecount scan`.
    #[arg(long, default_value = "count.db")]
    db: PathBuf,
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Seed for any drawing of lots (recorded in the declarations).
    #[arg(long, default_value_t = 0)]
    lot_seed: u64,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let election = Election::load(&args.election).context("loading the election definition")?;
    let store = SqliteStore::open(&args.db)
        .with_context(|| format!("opening the count store {}", args.db.display()))?;
    let tally = store
        .tally(&election)
        .context("reading the tally from the store")?;
    let waiting: u64 = store
        .progress(&election)
        .context("reading progress from the store")?
        .iter()
        .map(|p| p.awaiting_review + p.awaiting_cro)
        .sum();
    if waiting > 0 {
        eprintln!(
            "ecount declare: PROVISIONAL: {waiting} paper(s) still await adjudication and are not counted"
        );
    }
    let d = ecount_tally::declare(&election, &tally, args.lot_seed);
    for w in &d.warnings {
        eprintln!("ecount declare: warning: {w}");
    }
    emit(&render(&election, &d, args.format)?, args.out.as_deref())
}
