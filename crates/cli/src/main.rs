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
    /// Replay the published 2016 count through the tally and print the declarations.
    Replay(cmd::replay::Args),
    /// Declare the results from the count store (text, csv, json or nist).
    Declare(cmd::declare::Args),
    /// Serve the adjudication web application (clerks, CRO, progress, declarations).
    Review(cmd::review::Args),
    /// Manage review accounts (`user add NAME --role clerk|cro`).
    User(cmd::user::Args),
    /// Check the audit log (`audit verify`).
    Audit(cmd::audit::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&cli.log))
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Styles(a) => cmd::styles::run(a),
        Command::Review(a) => cmd::review::run(a),
        Command::User(a) => cmd::user::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Replay(a) => cmd::replay::run(a),
        Command::Declare(a) => cmd::declare::run(a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ecount: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
