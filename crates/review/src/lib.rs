//! The adjudication web application for count staff, with the audit trail and live progress
