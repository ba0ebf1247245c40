//! `ecount export cvr`: the count's cast vote records (NIST SP 1500-103 JSON).

use anyhow::Context;
use ecount_election::Election;
use ecount_pipeline::cvr::{rfc3339_utc, write_cvr_report};
use ecount_store::SqliteStore;
use std::io::BufWriter;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Cast vote records: per paper the machine's reading (each box's mark metric) and, for
    /// adjudicated papers, the decision.
    Cvr(CvrArgs),
}

#[derive(clap::Args)]
struct CvrArgs {
    /// The count store written by `ecount scan`.
    #[arg(long, default_value = "count.db")]
    db: PathBuf,
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
    /// Output file (JSON).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.what {
        What::Cvr(a) => cvr(a),
    }
}

fn cvr(a: CvrArgs) -> anyhow::Result<()> {
    let election = Election::load(&a.election).context("loading the election definition")?;
    if !a.db.exists() {
        anyhow::bail!(
            "{}: no count store here (run `ecount scan` first)",
            a.db.display()
        );
    }
    let store = SqliteStore::open(&a.db)
        .with_context(|| format!("opening the count store {}", a.db.display()))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    // Written beside the target and renamed, so a failed export leaves no half file.
    let tmp = a.out.with_extension("json.partial");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let stats = write_cvr_report(&store, &election, &rfc3339_utc(now), BufWriter::new(file))
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &a.out).with_context(|| format!("writing {}", a.out.display()))?;
    println!(
        "{}: {} cast vote records ({} adjudicated); {} set-aside pages left out",
        a.out.display(),
        stats.records,
        stats.adjudicated,
        stats.left_out
    );
    Ok(())
}
