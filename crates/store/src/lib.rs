//! The durable count store: batches, papers, the review queue, decisions and the audit chain (SQLite; portable SQL)
