//! `ecount user add`: accounts for the review application (argon2-hashed passwords).

use anyhow::Context;
use ecount_store::{CountStore, NewUser, Role, SqliteStore};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(clap::Subcommand)]
enum UserCommand {
    /// Add a clerk or a constituency returning officer (CRO).
    Add {
        /// Sign-in name.
        name: String,
        #[arg(long, value_parser = ["clerk", "cro"])]
        role: String,
        /// The count store.
        #[arg(long, default_value = "count.db")]
        db: PathBuf,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts and their roles.
    List {
        #[arg(long, default_value = "count.db")]
        db: PathBuf,
    },
}

const MIN_PASSWORD: usize = 8;

pub fn run(a: Args) -> anyhow::Result<()> {
    match a.command {
        UserCommand::Add {
            name,
            role,
            db,
            password_stdin,
        } => {
            let role = Role::parse(&role).context("role must be clerk or cro")?;
            if name.trim().is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                anyhow::bail!("user name must be 1 to 64 printable characters");
            }
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                let p = ecount_review::prompt_password(&format!("Password for {name}: "))
                    .context("reading the password (use --password-stdin without a terminal)")?;
                let again = ecount_review::prompt_password("Again: ")?;
                if p != again {
                    anyhow::bail!("the passwords differ");
                }
                p
            };
            if password.chars().count() < MIN_PASSWORD {
                anyhow::bail!("the password needs at least {MIN_PASSWORD} characters");
            }
            let hash = ecount_review::hash_password(&password).map_err(anyhow::Error::msg)?;
            let mut store = SqliteStore::open(&db).with_context(|| format!("{}", db.display()))?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            store.add_user(
                &NewUser {
                    name: name.clone(),
                    role,
                    password_hash: hash,
                },
                now,
            )?;
            eprintln!("added {} {name}", role.as_str());
            Ok(())
        }
        UserCommand::List { db } => {
            let store = SqliteStore::open(&db).with_context(|| format!("{}", db.display()))?;
            for u in store.users()? {
                println!("{}\t{}", u.name, u.role.as_str());
            }
            Ok(())
        }
    }
}
