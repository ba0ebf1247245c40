//! Every SQL statement the store runs, in one place. Portable to PostgreSQL: standard types
//! (TEXT, BIGINT, INTEGER), explicit ids (no AUTOINCREMENT/SERIAL reliance), `ON CONFLICT ...
//! DO NOTHING`, `?N` placeholders (rewrite to `$N` for PostgreSQL), no SQLite-only functions.
//! Connection setup (PRAGMAs) is SQLite's own and lives in `sqlite.rs`.

pub const SCHEMA_VERSION: &str = "1";

pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS batches (
        batch_id TEXT PRIMARY KEY,
        folder TEXT NOT NULL,
        area TEXT,
        manifest TEXT,
        created_seq BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS papers (
        id BIGINT PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        batch_id TEXT NOT NULL REFERENCES batches(batch_id),
        status TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reason TEXT,
        style BIGINT,
        kind TEXT,
        area BIGINT,
        contest BIGINT,
        vote TEXT,
        flags BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS papers_batch ON papers(batch_id)",
    "CREATE INDEX IF NOT EXISTS papers_status ON papers(status)",
    "CREATE INDEX IF NOT EXISTS papers_path ON papers(path)",
    // A file whose path was recorded before with other bytes (a box rescanned into the same
    // folder): never counted, kept for the count staff to resolve.
    "CREATE TABLE IF NOT EXISTS replaced_images (
        sha256 TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        first_paper BIGINT NOT NULL REFERENCES papers(id)
    )",
    "CREATE TABLE IF NOT EXISTS duplicates (
        path TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        first_paper BIGINT NOT NULL REFERENCES papers(id))",
    "CREATE TABLE IF NOT EXISTS review_queue (
        paper_id BIGINT PRIMARY KEY REFERENCES papers(id),
        stage TEXT NOT NULL,
        lease_holder TEXT,
        lease_expires BIGINT)",
    "CREATE TABLE IF NOT EXISTS decisions (
        id BIGINT PRIMARY KEY,
        paper_id BIGINT NOT NULL REFERENCES papers(id),
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        area BIGINT NOT NULL,
        contest BIGINT NOT NULL,
        vote TEXT NOT NULL,
        is_final INTEGER NOT NULL,
        decided_at BIGINT NOT NULL,
        audit_seq BIGINT NOT NULL,
        note TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS decisions_paper ON decisions(paper_id)",
    "CREATE TABLE IF NOT EXISTS audit_log (
        seq BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        paper_id BIGINT,
        entry TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sessions (
        token_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users(name),
        csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL)",
];

pub const META_GET: &str = "SELECT value FROM meta WHERE key = ?1";
pub const META_INSERT: &str =
    "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING";
pub const META_SET: &str = "UPDATE meta SET value = ?2 WHERE key = ?1";

pub const BATCH_INSERT: &str = "INSERT INTO batches (batch_id, folder, area, manifest, created_seq)
     VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM batches))
     ON CONFLICT (batch_id) DO NOTHING";
pub const BATCHES_ALL: &str =
    "SELECT batch_id, folder, area, manifest FROM batches ORDER BY created_seq";
pub const BATCH_PAPER_COUNTS: &str = "SELECT batch_id, status, kind, area, COUNT(*) FROM papers
     GROUP BY batch_id, status, kind, area";
pub const BATCH_DUPLICATES: &str = "SELECT batch_id, COUNT(*) FROM duplicates GROUP BY batch_id";

pub const PAPER_NEXT_ID: &str = "SELECT COALESCE(MAX(id), 0) + 1 FROM papers";
pub const PAPER_INSERT: &str = "INSERT INTO papers
     (id, sha256, path, batch_id, status, outcome, reason, style, kind, area, contest, vote, flags)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
     ON CONFLICT (sha256) DO NOTHING";
pub const PAPER_BY_HASH: &str = "SELECT id, path FROM papers WHERE sha256 = ?1";
pub const PAPER_BY_PATH: &str = "SELECT id, sha256 FROM papers WHERE path = ?1";
pub const REPLACED_INSERT: &str =
    "INSERT INTO replaced_images (sha256, path, batch_id, first_paper) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (sha256) DO NOTHING";
pub const DUPLICATE_INSERT: &str =
    "INSERT INTO duplicates (path, sha256, batch_id, first_paper) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (path) DO NOTHING";
pub const PAPER_HASHES: &str = "SELECT sha256 FROM papers";
pub const PAPER_GET: &str = "SELECT p.id, p.batch_id, b.area, p.path, p.sha256, p.status, p.outcome
     FROM papers p JOIN batches b ON b.batch_id = p.batch_id WHERE p.id = ?1";
pub const PAPERS_ALL: &str =
    "SELECT id, batch_id, path, sha256, status, outcome FROM papers ORDER BY id";
pub const PAPER_SET_STATUS: &str = "UPDATE papers SET status = ?2 WHERE id = ?1";

/// Counted papers' machine votes.
pub const TALLY_COUNTED: &str =
    "SELECT area, contest, vote FROM papers WHERE status = 'counted' AND vote IS NOT NULL";
/// Adjudicated papers' latest final decision.
pub const TALLY_DECIDED: &str = "SELECT d.area, d.contest, d.vote FROM decisions d
     JOIN papers p ON p.id = d.paper_id
     WHERE p.status = 'adjudicated' AND d.is_final = 1
       AND d.id = (SELECT MAX(d2.id) FROM decisions d2
                   WHERE d2.paper_id = d.paper_id AND d2.is_final = 1)";
/// Per (paper area or batch area, status, kind) counts for progress.
pub const PROGRESS_COUNTS: &str = "SELECT p.area, b.area, p.status, p.kind, COUNT(*)
     FROM papers p JOIN batches b ON b.batch_id = p.batch_id
     GROUP BY p.area, b.area, p.status, p.kind";

pub const QUEUE_INSERT: &str =
    "INSERT INTO review_queue (paper_id, stage, lease_holder, lease_expires)
     VALUES (?1, ?2, NULL, NULL) ON CONFLICT (paper_id) DO NOTHING";
pub const QUEUE_HELD: &str = "SELECT q.paper_id, p.area, b.area FROM review_queue q
     JOIN papers p ON p.id = q.paper_id JOIN batches b ON b.batch_id = p.batch_id
     WHERE q.stage = ?1 AND q.lease_holder = ?2 AND q.lease_expires > ?3 ORDER BY q.paper_id";
pub const QUEUE_FREE: &str = "SELECT q.paper_id, p.area, b.area FROM review_queue q
     JOIN papers p ON p.id = q.paper_id JOIN batches b ON b.batch_id = p.batch_id
     WHERE q.stage = ?1 AND (q.lease_holder IS NULL OR q.lease_expires <= ?2)
     ORDER BY q.paper_id";
/// Takes the lease only if it is still free (or expired, or already ours): the row count says
/// whether we won it.
pub const QUEUE_TAKE: &str = "UPDATE review_queue SET lease_holder = ?2, lease_expires = ?3
     WHERE paper_id = ?1 AND (lease_holder IS NULL OR lease_expires <= ?4 OR lease_holder = ?2)";
pub const QUEUE_RELEASE: &str = "UPDATE review_queue SET lease_holder = NULL, lease_expires = NULL
     WHERE paper_id = ?1 AND lease_holder = ?2";
pub const QUEUE_MOVE: &str = "UPDATE review_queue SET stage = ?2, lease_holder = NULL,
     lease_expires = NULL WHERE paper_id = ?1";
pub const QUEUE_DELETE: &str = "DELETE FROM review_queue WHERE paper_id = ?1";
pub const QUEUE_GET: &str = "SELECT q.paper_id, q.stage, q.lease_holder, q.lease_expires,
     p.batch_id, p.path FROM review_queue q JOIN papers p ON p.id = q.paper_id
     WHERE q.paper_id = ?1";
pub const QUEUE_STAGE: &str = "SELECT q.paper_id, q.stage, q.lease_holder, q.lease_expires,
     p.batch_id, p.path FROM review_queue q JOIN papers p ON p.id = q.paper_id
     WHERE q.stage = ?1 ORDER BY q.paper_id";

pub const DECISION_COLUMNS: &str = "id, paper_id, actor, role, action, area, contest, vote,
     is_final, decided_at, audit_seq, note";
pub const DECISION_NEXT_ID: &str = "SELECT COALESCE(MAX(id), 0) + 1 FROM decisions";
pub const DECISION_INSERT: &str = "INSERT INTO decisions
     (id, paper_id, actor, role, action, area, contest, vote, is_final, decided_at, audit_seq, note)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
pub const DECISIONS_OF_PAPER: &str = "SELECT id, paper_id, actor, role, action, area, contest,
     vote, is_final, decided_at, audit_seq, note FROM decisions WHERE paper_id = ?1 ORDER BY id";
pub const DECISIONS_ALL: &str = "SELECT id, paper_id, actor, role, action, area, contest,
     vote, is_final, decided_at, audit_seq, note FROM decisions ORDER BY id";
pub const DECISIONS_FINAL_LATEST: &str = "SELECT id, paper_id, actor, role, action, area,
     contest, vote, is_final, decided_at, audit_seq, note FROM decisions d
     WHERE d.is_final = 1 AND d.id = (SELECT MAX(d2.id) FROM decisions d2
                                      WHERE d2.paper_id = d.paper_id AND d2.is_final = 1)";

pub const AUDIT_HEAD_KEY: &str = "audit_head";
pub const AUDIT_LAST: &str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
pub const AUDIT_INSERT: &str = "INSERT INTO audit_log
     (seq, at, actor, action, paper_id, entry, prev_hash, hash)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
pub const AUDIT_ALL: &str = "SELECT seq, at, actor, action, paper_id, entry, prev_hash, hash
     FROM audit_log ORDER BY seq";
pub const AUDIT_PAGE: &str = "SELECT seq, at, actor, action, paper_id, entry, prev_hash, hash
     FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2";

pub const USER_INSERT: &str = "INSERT INTO users (name, role, password_hash, created_at)
     VALUES (?1, ?2, ?3, ?4)";
pub const USER_GET: &str =
    "SELECT name, role, password_hash, created_at FROM users WHERE name = ?1";
pub const USERS_ALL: &str = "SELECT name, role, password_hash, created_at FROM users ORDER BY name";
pub const SESSION_INSERT: &str =
    "INSERT INTO sessions (token_hash, user_name, csrf, created_at, expires_at)
     VALUES (?1, ?2, ?3, ?4, ?5)";
pub const SESSION_GET: &str = "SELECT token_hash, user_name, csrf, created_at, expires_at
     FROM sessions WHERE token_hash = ?1 AND expires_at > ?2";
pub const SESSION_DELETE: &str = "DELETE FROM sessions WHERE token_hash = ?1";
pub const SESSION_PURGE: &str = "DELETE FROM sessions WHERE expires_at <= ?1";

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    /// Every statement above (constants that are not statements are listed apart).
    const STATEMENTS: &[(&str, &str)] = &[
        ("META_GET", META_GET),
        ("META_INSERT", META_INSERT),
        ("META_SET", META_SET),
        ("BATCH_INSERT", BATCH_INSERT),
        ("BATCHES_ALL", BATCHES_ALL),
        ("BATCH_PAPER_COUNTS", BATCH_PAPER_COUNTS),
        ("BATCH_DUPLICATES", BATCH_DUPLICATES),
        ("PAPER_NEXT_ID", PAPER_NEXT_ID),
        ("PAPER_INSERT", PAPER_INSERT),
        ("PAPER_BY_HASH", PAPER_BY_HASH),
        ("PAPER_BY_PATH", PAPER_BY_PATH),
        ("REPLACED_INSERT", REPLACED_INSERT),
        ("DUPLICATE_INSERT", DUPLICATE_INSERT),
        ("PAPER_HASHES", PAPER_HASHES),
        ("PAPER_GET", PAPER_GET),
        ("PAPERS_ALL", PAPERS_ALL),
        ("PAPER_SET_STATUS", PAPER_SET_STATUS),
        ("TALLY_COUNTED", TALLY_COUNTED),
        ("TALLY_DECIDED", TALLY_DECIDED),
        ("PROGRESS_COUNTS", PROGRESS_COUNTS),
        ("QUEUE_INSERT", QUEUE_INSERT),
        ("QUEUE_HELD", QUEUE_HELD),
        ("QUEUE_FREE", QUEUE_FREE),
        ("QUEUE_TAKE", QUEUE_TAKE),
        ("QUEUE_RELEASE", QUEUE_RELEASE),
        ("QUEUE_MOVE", QUEUE_MOVE),
        ("QUEUE_DELETE", QUEUE_DELETE),
        ("QUEUE_GET", QUEUE_GET),
        ("QUEUE_STAGE", QUEUE_STAGE),
        ("DECISION_NEXT_ID", DECISION_NEXT_ID),
        ("DECISION_INSERT", DECISION_INSERT),
        ("DECISIONS_OF_PAPER", DECISIONS_OF_PAPER),
        ("DECISIONS_ALL", DECISIONS_ALL),
        ("DECISIONS_FINAL_LATEST", DECISIONS_FINAL_LATEST),
        ("AUDIT_LAST", AUDIT_LAST),
        ("AUDIT_INSERT", AUDIT_INSERT),
        ("AUDIT_ALL", AUDIT_ALL),
        ("AUDIT_PAGE", AUDIT_PAGE),
        ("USER_INSERT", USER_INSERT),
        ("USER_GET", USER_GET),
        ("USERS_ALL", USERS_ALL),
        ("SESSION_INSERT", SESSION_INSERT),
        ("SESSION_GET", SESSION_GET),
        ("SESSION_DELETE", SESSION_DELETE),
        ("SESSION_PURGE", SESSION_PURGE),
    ];
    const NOT_STATEMENTS: &[&str] = &["SCHEMA_VERSION", "DECISION_COLUMNS", "AUDIT_HEAD_KEY"];

    /// `?N` placeholders as PostgreSQL writes them.
    fn to_postgres(sql: &str) -> String {
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                out.push('$');
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn every_statement_is_listed() {
        let source = include_str!("sql.rs");
        let declared: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub const "))
            .filter_map(|l| l.split_once(": &str"))
            .map(|(name, _)| name)
            .filter(|name| !NOT_STATEMENTS.contains(name))
            .collect();
        let listed: Vec<&str> = STATEMENTS.iter().map(|s| s.0).collect();
        assert_eq!(
            declared, listed,
            "a statement was added without its portability check"
        );
    }

    /// Why `sql` would not run unchanged on PostgreSQL, if it would not.
    fn portability_problem(sql: &str) -> Option<String> {
        // The parser is lenient (it takes `INSERT OR IGNORE` in any dialect), so SQLite's own
        // words are also looked for.
        let sqlite_only = [
            "AUTOINCREMENT",
            "INSERT OR",
            "REPLACE INTO",
            "PRAGMA",
            "IFNULL(",
            "GLOB",
            "DATETIME(",
            "STRFTIME(",
            "ROWID",
        ];
        let upper = sql.to_uppercase();
        if let Some(word) = sqlite_only.iter().find(|w| upper.contains(*w)) {
            return Some(format!("uses SQLite's {word}"));
        }
        Parser::parse_sql(&PostgreSqlDialect {}, &to_postgres(sql))
            .err()
            .map(|e| format!("does not parse as PostgreSQL: {e}"))
    }

    /// The store is meant to run on PostgreSQL too (many scanners and workstations in three
    /// centres feeding one result): every statement must parse as PostgreSQL and use none of
    /// SQLite's own words.
    #[test]
    fn statements_are_portable_to_postgresql() {
        let all = SCHEMA
            .iter()
            .map(|s| ("SCHEMA", *s))
            .chain(STATEMENTS.iter().copied());
        for (name, sql) in all {
            if let Some(problem) = portability_problem(sql) {
                panic!("{name} {problem}:\n{sql}");
            }
        }
    }

    #[test]
    fn the_check_catches_sqlite_dialect() {
        let bad = "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)";
        assert!(portability_problem(bad).is_some());
        assert!(portability_problem("SELEC value FROM meta").is_some());
        assert!(portability_problem(META_INSERT).is_none());
    }
}
