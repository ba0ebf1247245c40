//! `ecount`: the command-line front end. It only wires the crates below it together; each
//! subcommand lives in its own module under `cmd/`.

mod cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ecount",
    version,
    about = "Electronic count of GLA-style paper ballots"
)]
struct Cli {
    /// Log level for tracing output on stderr (error, warn, info, debug, trace).
    #[arg(long, global = true, default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List an election definition's areas, contests and ballot styles.
    Styles(cmd::styles::Args),
    /// Read scanned papers and print each reading as one JSON line.
    Read(cmd::read::Args),
    /// Generate papers with known truth, read them, and print a confusion table.
    Eval(cmd::eval::Args),
    /// Replay the published 2016 count through the tally and print the declarations.
    Replay(cmd::replay::Args),
    /// Declare the results from the count store (text, csv, json or nist).
    Declare(cmd::declare::Args),
    /// Read every batch folder under a scan root into the count store (resumable).
    Scan(cmd::scan::Args),
    /// Where the count stands: per area and count centre, with provisional shares.
    Status(cmd::status::Args),
    /// Export from the count store (cast vote records).
    Export(cmd::export::Args),
    /// Measure decode, read and whole-scan throughput on a rendered corpus.
    Bench(cmd::bench::Args),
    /// Serve the adjudication web application (clerks, CRO, progress, declarations).
    Review(cmd::review::Args),
    /// Manage review accounts (`user add NAME --role clerk|cro`).
    User(cmd::user::Args),
    /// Check the audit log (`audit verify`).
    Audit(cmd::audit::Args),
    /// Render synthetic scanned ballot papers, one folder per ballot box, with ground truth.
    Generate(cmd::generate::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&cli.log))
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Styles(a) => cmd::styles::run(a),
        Command::Read(a) => cmd::read::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Replay(a) => cmd::replay::run(a),
        Command::Declare(a) => cmd::declare::run(a),
        Command::Scan(a) => cmd::scan::run(a),
        Command::Status(a) => cmd::status::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Review(a) => cmd::review::run(a),
        Command::User(a) => cmd::user::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Generate(a) => cmd::generate::run(a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ecount: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
