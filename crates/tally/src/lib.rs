//! Streaming tallies, the supplementary-vote run-off, first past the post, London-wide d'Hondt and declarations
