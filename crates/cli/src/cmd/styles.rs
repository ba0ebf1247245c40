use anyhow::Context;
use ecount_election::Election;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let e = Election::load(&args.election).context("loading the election definition")?;
    println!(
        "{} ({}), {} areas, {} contests, {} styles",
        e.name,
        e.date,
        e.areas.len(),
        e.contests.len(),
        e.styles.len()
    );
    for s in &e.styles {
        let c = &e.contests[s.contest];
        let a = &e.areas[s.area];
        let layout = e.layout(s);
        println!(
            "{:>5}  {:<13} {:<24} {:<36} {:>2} options, {} x {} mm",
            s.code.0,
            format!("{:?}", s.kind),
            a.name,
            c.title,
            c.options.len(),
            layout.width,
            layout.height
        );
    }
    Ok(())
}
