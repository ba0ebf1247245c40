//! Scans batch folders in parallel and routes readings to the tally, the review queue and the set-aside pile
