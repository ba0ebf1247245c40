//! `ecount audit verify`: recompute the audit log's hash chain and cross-check decisions.

use anyhow::Context;
use ecount_store::{CountStore, SqliteStore};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(clap::Subcommand)]
enum AuditCommand {
    /// Exit non-zero if any entry was edited, inserted or deleted.
    Verify {
        #[arg(long, default_value = "count.db")]
        db: PathBuf,
    },
}

pub fn run(a: Args) -> anyhow::Result<()> {
    match a.command {
        AuditCommand::Verify { db } => {
            if !db.exists() {
                anyhow::bail!("{}: no count store here", db.display());
            }
            let store = SqliteStore::open(&db).with_context(|| format!("{}", db.display()))?;
            let r = store.verify_audit()?;
            println!(
                "{} audit entries, {} decisions checked",
                r.entries, r.decisions_checked
            );
            println!("head {}", r.head);
            if r.ok() {
                println!("audit chain verifies");
                Ok(())
            } else {
                for p in &r.problems {
                    println!("PROBLEM: {p}");
                }
                anyhow::bail!(
                    "the audit log fails verification ({} problem(s))",
                    r.problems.len()
                )
            }
        }
    }
}
