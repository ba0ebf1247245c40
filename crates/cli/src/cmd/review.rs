//! `ecount review`: the adjudication web application over a count store.

use anyhow::Context;
use ecount_election::Election;
use ecount_review::{App, Config};
use ecount_store::SqliteStore;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The count store written by `ecount scan`.
    #[arg(long, default_value = "count.db")]
    db: PathBuf,
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
    /// Address to listen on; loopback unless told otherwise.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Let anyone read the progress and declaration pages without signing in.
    #[arg(long)]
    public_progress: bool,
    /// Seconds a clerk keeps a paper before it returns to the queue.
    #[arg(long, default_value_t = 300)]
    lease_secs: i64,
    /// Mark cookies Secure (when served over TLS through a proxy).
    #[arg(long)]
    secure_cookies: bool,
    /// Seed for any drawing of lots in the declarations.
    #[arg(long, default_value_t = 0)]
    lot_seed: u64,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let election = Election::load(&a.election)?;
    if !a.db.exists() {
        anyhow::bail!(
            "{}: no count store here (run `ecount scan` first)",
            a.db.display()
        );
    }
    let store = SqliteStore::open(&a.db).with_context(|| format!("{}", a.db.display()))?;
    let config = Config {
        public_progress: a.public_progress,
        lease_secs: a.lease_secs.max(10),
        secure_cookies: a.secure_cookies,
        lot_seed: a.lot_seed,
        ..Config::default()
    };
    ecount_review::serve_blocking(App::new(store, election, config), a.listen)?;
    Ok(())
}
