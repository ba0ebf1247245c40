//! The append-only audit log: each entry's hash is `sha256(prev_hash || entry)`, where `entry`
//! is the canonical JSON text of the entry (keys sorted, no whitespace) and `prev_hash` the
//! previous entry's hash in hex (64 zeros for the first). The head (last seq and hash) is also
//! kept in `meta`, so deleting the newest entries shows too.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub paper_id: Option<i64>,
    /// Canonical JSON text, exactly as hashed.
    pub entry: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    pub entries: u64,
    /// Hash of the last entry (publish it: an outside copy pins the whole history).
    pub head: String,
    pub decisions_checked: u64,
    /// Empty when the chain verifies.
    pub problems: Vec<String>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

pub fn chain_hash(prev_hash: &str, entry: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(entry.as_bytes());
    hex::encode(h.finalize())
}

/// JSON with object keys sorted and no whitespace, whatever serde_json's map order.
pub fn canonical_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Checks the chain itself: contiguous sequence numbers from 1, each prev_hash the previous
/// hash, each hash recomputed, each entry naming its own seq, actor and action, and the recorded
/// head matching the last entry.
pub fn verify_chain(rows: &[AuditEntry], head: Option<(i64, String)>) -> (String, Vec<String>) {
    let mut problems = Vec::new();
    let mut prev = GENESIS_HASH.to_string();
    for (i, r) in rows.iter().enumerate() {
        let want_seq = i as i64 + 1;
        if r.seq != want_seq {
            problems.push(format!(
                "entry {}: expected sequence number {want_seq} (an entry is missing or inserted)",
                r.seq
            ));
        }
        if r.prev_hash != prev {
            problems.push(format!(
                "entry {}: previous-hash link broken (an entry before it was changed, inserted or deleted)",
                r.seq
            ));
        }
        let h = chain_hash(&r.prev_hash, &r.entry);
        if h != r.hash {
            problems.push(format!(
                "entry {}: hash does not match its content (edited)",
                r.seq
            ));
        }
        match serde_json::from_str::<serde_json::Value>(&r.entry) {
            Ok(v) => {
                // (No re-serialisation check: floats need not print back identically after
                // parsing; the hash covers the stored text byte for byte.)
                let fields_match = v.get("seq").and_then(|x| x.as_i64()) == Some(r.seq)
                    && v.get("at").and_then(|x| x.as_i64()) == Some(r.at)
                    && v.get("actor").and_then(|x| x.as_str()) == Some(r.actor.as_str())
                    && v.get("action").and_then(|x| x.as_str()) == Some(r.action.as_str())
                    && v.get("paper_id").and_then(|x| x.as_i64()) == r.paper_id;
                if !fields_match {
                    problems.push(format!(
                        "entry {}: row columns differ from the hashed entry (edited)",
                        r.seq
                    ));
                }
            }
            Err(e) => problems.push(format!("entry {}: not JSON: {e}", r.seq)),
        }
        prev = r.hash.clone();
    }
    let last = rows.last().map(|r| (r.seq, r.hash.clone()));
    match (head, last) {
        (None, None) => {}
        (Some(h), Some(l)) if h == l => {}
        (Some((seq, _)), Some((lseq, _))) => problems.push(format!(
            "recorded head is entry {seq} but the log ends at entry {lseq} with another hash (entries deleted, inserted or edited)"
        )),
        (Some((seq, _)), None) => {
            problems.push(format!("recorded head is entry {seq} but the log is empty"))
        }
        (None, Some((lseq, _))) => problems.push(format!(
            "log has {lseq} entries but no recorded head (head deleted)"
        )),
    }
    (prev, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_sorts_keys_and_round_trips() {
        let v = json!({"b": 1, "a": {"z": [1, "x\"y"], "c": null}, "f": 0.25});
        let s = canonical_json(&v);
        assert_eq!(s, r#"{"a":{"c":null,"z":[1,"x\"y"]},"b":1,"f":0.25}"#);
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(canonical_json(&back), s);
    }

    #[test]
    fn chain_detects_each_kind_of_tamper() {
        let mut rows = Vec::new();
        let mut prev = GENESIS_HASH.to_string();
        for seq in 1..=4 {
            let entry = canonical_json(
                &json!({"seq": seq, "at": 100 + seq, "actor": "a", "action": "x", "paper_id": null}),
            );
            let hash = chain_hash(&prev, &entry);
            rows.push(AuditEntry {
                seq,
                at: 100 + seq,
                actor: "a".into(),
                action: "x".into(),
                paper_id: None,
                entry,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            });
            prev = hash;
        }
        let head = Some((4, prev.clone()));
        assert!(verify_chain(&rows, head.clone()).1.is_empty());
        let mut edited = rows.clone();
        edited[1].entry = edited[1].entry.replace("\"a\"", "\"b\"");
        assert!(!verify_chain(&edited, head.clone()).1.is_empty());
        let mut deleted = rows.clone();
        deleted.remove(2);
        assert!(!verify_chain(&deleted, head.clone()).1.is_empty());
        let mut tail_deleted = rows.clone();
        tail_deleted.pop();
        assert!(!verify_chain(&tail_deleted, head.clone()).1.is_empty());
    }
}
