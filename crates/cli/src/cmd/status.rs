//! `ecount status`: where the count stands, per area and per count centre, from the store.

use anyhow::Context;
use ecount_election::Election;
use ecount_pipeline::provisional_text;
use ecount_store::{AreaProgress, CountStore, SqliteStore};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The count store written by `ecount scan`.
    #[arg(long, default_value = "count.db")]
    db: PathBuf,
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
}

#[derive(Default, Clone, Copy)]
struct Row {
    scanned: u64,
    read: u64,
    counted: u64,
    awaiting: u64,
    adjudicated: u64,
    set_aside: u64,
}

impl Row {
    fn of(p: &AreaProgress) -> Self {
        Self {
            scanned: p.scanned,
            read: p.read,
            counted: p.counted,
            awaiting: p.awaiting_review + p.awaiting_cro,
            adjudicated: p.adjudicated,
            set_aside: p.set_aside,
        }
    }
    fn add(&mut self, o: Row) {
        self.scanned += o.scanned;
        self.read += o.read;
        self.counted += o.counted;
        self.awaiting += o.awaiting;
        self.adjudicated += o.adjudicated;
        self.set_aside += o.set_aside;
    }
    fn line(&self, name: &str) -> String {
        format!(
            "{name:<28} {:>8} {:>8} {:>8} {:>9} {:>11} {:>9}",
            self.scanned, self.read, self.counted, self.awaiting, self.adjudicated, self.set_aside
        )
    }
}

fn heading(first: &str) -> String {
    format!(
        "{first:<28} {:>8} {:>8} {:>8} {:>9} {:>11} {:>9}",
        "scanned", "read", "counted", "awaiting", "adjudicated", "set aside"
    )
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let election = Election::load(&args.election).context("loading the election definition")?;
    if !args.db.exists() {
        anyhow::bail!(
            "{}: no count store here (run `ecount scan` first)",
            args.db.display()
        );
    }
    let store = SqliteStore::open(&args.db)
        .with_context(|| format!("opening the count store {}", args.db.display()))?;
    let progress = store.progress(&election).context("reading progress")?;
    let tally = store.tally(&election).context("reading the tally")?;
    let mut o = String::new();

    let _ = writeln!(o, "{} ({})", election.name, election.date);
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", heading("Area"));
    let mut centres = vec![Row::default(); election.centres.len()];
    let mut total = Row::default();
    let mut unassigned = Row::default();
    for p in &progress {
        let row = Row::of(p);
        let Some(area) = election.areas.get(p.area) else {
            continue;
        };
        let _ = writeln!(o, "{}", row.line(&area.name));
        match area.centre {
            Some(c) if c < centres.len() => centres[c].add(row),
            _ => unassigned.add(row),
        }
        total.add(row);
    }
    let _ = writeln!(o, "{}", total.line("All areas"));
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", heading("Count centre"));
    for (c, row) in election.centres.iter().zip(&centres) {
        let _ = writeln!(o, "{}", row.line(&c.name));
    }
    if unassigned.scanned > 0 {
        let _ = writeln!(o, "{}", unassigned.line("(no centre)"));
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Provisional shares (counted and adjudicated papers; Mayor: first choices)"
    );
    o.push_str(&provisional_text(&election, &tally));
    // A closed pipe (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), o.as_bytes());
    Ok(())
}
