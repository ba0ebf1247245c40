//! The replay without the CLI: `cargo run --release -p ecount-tally --example replay -- [DATA] [ELECTION] [text|csv|json|nist]`.
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = args
        .next()
        .unwrap_or_else(|| "../shared/data/gla-2016".into());
    let def = args
        .next()
        .unwrap_or_else(|| "elections/gla-2016.toml".into());
    let format = args.next().unwrap_or_else(|| "text".into());
    let election = ecount_election::Election::load(&def)?;
    let replay = ecount_tally::replay::build(data.as_ref(), &election)?;
    let t0 = Instant::now();
    let tally = replay.tally(&election);
    eprintln!(
        "{} records tallied in {:.2?}",
        replay.records.len(),
        t0.elapsed()
    );
    for n in &replay.notes {
        eprintln!("note: {n}");
    }
    let d = ecount_tally::declare(&election, &tally, 2016);
    match format.as_str() {
        "csv" => print!("{}", d.to_csv()),
        "json" => println!("{}", serde_json::to_string_pretty(&d.to_json())?),
        "nist" => println!(
            "{}",
            serde_json::to_string_pretty(&ecount_tally::nist_election_results(&election, &d))?
        ),
        _ => print!("{}", d.to_text()),
    }
    Ok(())
}
