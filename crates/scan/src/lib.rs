//! Reads one scanned ballot paper. The stages run in order, each in its own module and each
//! taking the previous stage's type:
//!
//! 1. [`decode`]: bytes to a luminance image, under limits.
//! 2. [`register`]: the four fiducials and the paper-to-image transform.
//! 3. [`identify`]: which way up, and the style code from the strip.
//! 4. [`score`]: ink in each box's mark zone and halo, and stray ink.
//! 5. [`interpret`]: the statutory rules, and the reasons a person must look.
//!
//! A paper in doubt after step 5, or with a mark as light (on a bilevel scan, as sparse) as a
//! crease, is searched for the crease of a fold ([`crease`]); if it has one, steps 4 and 5 run
//! again on a copy of the image with the crease taken back.
//!
//! The public surface is [`read_ballot`] (bytes to [`Outcome`]) and the [`reading`] types.

pub mod crease;
pub mod decode;
pub mod identify;
pub mod interpret;
pub mod reading;
pub mod register;
pub mod score;

pub use reading::{BoxClass, BoxReading, Flag, Outcome, Reading, StrayInk, Transform, Unreadable};

use ecount_election::Election;

/// Reads one scanned page (PNG, JPEG or TIFF bytes) as a paper of `election`.
pub fn read_ballot(bytes: &[u8], election: &Election) -> Outcome {
    let decoded = decode::decode(bytes)?;
    read_decoded(&decoded, election)
}

/// The stages after decoding, for callers that time or cache decoding separately.
pub fn read_decoded(decoded: &decode::Decoded, election: &Election) -> Outcome {
    let registered = register::register(decoded)?;
    let identified = identify::identify(registered, election)?;
    let reading = interpret::interpret(score::score(identified.clone()), election);
    if !crease::suspected(&reading, &identified.registered) {
        return Ok(reading);
    }
    let creases = crease::find(&identified);
    if creases.is_empty() {
        return Ok(reading);
    }
    tracing::debug!(?creases, "crease taken back; reading again");
    thread_local! {
        // The copy of the page a crease is taken back on, kept for the thread's next paper.
        static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let (reading, buffer) = read_without_creases(identified, &creases, election, SCRATCH.take());
    SCRATCH.set(buffer);
    Ok(reading)
}

/// Steps 4 and 5 again, on a copy of the page (made in `buffer`) with `creases` taken back.
/// Returns the buffer too, for the next paper's copy.
pub fn read_without_creases(
    identified: identify::Identified,
    creases: &[crease::Crease],
    election: &Election,
    buffer: Vec<u8>,
) -> (Reading, Vec<u8>) {
    let reg = &identified.registered;
    let repaired = crease::repair_in(reg.image, creases, reg.ppm, buffer);
    let again = identify::Identified {
        registered: register::Registered {
            image: &repaired,
            ..identified.registered.clone()
        },
        ..identified
    };
    let reading = interpret::interpret(score::score(again), election);
    (reading, repaired.into_raw())
}
