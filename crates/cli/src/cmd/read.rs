use anyhow::Context;
use ecount_election::Election;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
    /// Scanned paper fronts to read.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Prints one JSON line per file: the reading, or the named reason it was set aside.
pub fn run(args: Args) -> anyhow::Result<()> {
    let election = Election::load(&args.election).context("loading the election definition")?;
    for file in &args.files {
        let line = match std::fs::read(file) {
            Ok(bytes) => match ecount_scan::read_ballot(&bytes, &election) {
                Ok(reading) => serde_json::json!({ "file": file, "reading": reading }),
                Err(why) => serde_json::json!({
                    "file": file,
                    "set_aside": why.name(),
                    "message": why.to_string(),
                    "detail": why,
                }),
            },
            Err(e) => {
                serde_json::json!({ "file": file, "set_aside": "io_error", "message": e.to_string() })
            }
        };
        println!("{line}");
    }
    Ok(())
}
