//! `ecount replay`: rebuilds cast vote records from the published 2016 counts, feeds them one at
//! a time through the tally the scanner feeds, and prints the declarations.

use anyhow::Context;
use ecount_election::{ContestKind, Election};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Csv,
    Json,
    /// NIST SP 1500-100 v2 election results JSON.
    Nist,
}

#[derive(clap::Args)]
pub struct Args {
    /// Folder of published counts (README.md, *.csv, wards/).
    #[arg(long, default_value = "../shared/data/gla-2016")]
    data: PathBuf,
    /// Election definition file (.toml or .json).
    #[arg(long, default_value = "elections/gla-2016.toml")]
    election: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Seed for any drawing of lots (recorded in the declarations).
    #[arg(long, default_value_t = 2016)]
    lot_seed: u64,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let election = Election::load(&args.election).context("loading the election definition")?;
    let started = Instant::now();
    let replay = ecount_tally::replay::build(&args.data, &election)
        .with_context(|| format!("rebuilding the count from {}", args.data.display()))?;
    let built = started.elapsed();
    let started = Instant::now();
    let tally = replay.tally(&election);
    let counted = started.elapsed();
    let d = ecount_tally::declare(&election, &tally, args.lot_seed);
    eprintln!(
        "replay: {} wards, {} records ({} Mayor, {} constituency, {} London-wide papers); \
         built in {:.2?}, tallied in {:.2?}",
        replay.wards,
        replay.records.len(),
        replay.papers_of(&election, ContestKind::SupplementaryVote),
        replay.papers_of(&election, ContestKind::FirstPastThePost),
        replay.papers_of(&election, ContestKind::AdditionalMember),
        built,
        counted
    );
    for n in &replay.notes {
        eprintln!("replay: {n}");
    }
    let text = render(&election, &d, args.format)?;
    emit(&text, args.out.as_deref())
}

/// The declarations in the chosen format.
pub fn render(
    election: &Election,
    d: &ecount_tally::Declarations,
    format: Format,
) -> anyhow::Result<String> {
    Ok(match format {
        Format::Text => d.to_text(),
        Format::Csv => d.to_csv(),
        Format::Json => serde_json::to_string_pretty(&d.to_json())?,
        Format::Nist => {
            serde_json::to_string_pretty(&ecount_tally::nist_election_results(election, d))?
        }
    })
}

/// To a file, or standard output.
pub fn emit(text: &str, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
