//! Style codes and the 32-cell code strip (spec section 4).

use serde::{Deserialize, Serialize};

/// The three kinds of paper, numbered as the spec numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaperKind {
    /// Supplementary vote: two columns, first and second choice.
    Mayor = 1,
    /// First past the post, one column.
    Constituency = 2,
    /// Party lists and independents, one column.
    LondonWide = 3,
}

impl PaperKind {
    pub fn from_number(n: u16) -> Option<Self> {
        match n {
            1 => Some(Self::Mayor),
            2 => Some(Self::Constituency),
            3 => Some(Self::LondonWide),
            _ => None,
        }
    }

    pub fn number(self) -> u16 {
        self as u16
    }

    /// Columns of voting boxes on the paper.
    pub fn columns(self) -> usize {
        match self {
            Self::Mayor => 2,
            Self::Constituency | Self::LondonWide => 1,
        }
    }
}

/// `code = 256 * kind + area`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StyleCode(pub u16);

impl StyleCode {
    pub fn new(kind: PaperKind, area: u8) -> Self {
        Self(kind.number() * 256 + u16::from(area))
    }

    /// The paper kind, if the high byte names one.
    pub fn kind(self) -> Option<PaperKind> {
        PaperKind::from_number(self.0 >> 8)
    }

    pub fn area(self) -> u8 {
        (self.0 & 0xff) as u8
    }

    /// The 32 bits of the strip, cell 0 first.
    pub fn strip_bits(self) -> [bool; STRIP_CELLS] {
        let mut bits = [false; STRIP_CELLS];
        bits[..4].copy_from_slice(&START);
        for i in 0..16 {
            bits[4 + i] = (self.0 >> (15 - i)) & 1 == 1;
        }
        let crc = crc8(&self.0.to_be_bytes());
        for i in 0..8 {
            bits[20 + i] = (crc >> (7 - i)) & 1 == 1;
        }
        bits[28..].copy_from_slice(&STOP);
        bits
    }

    /// Decodes a strip read cell 0 first; `None` unless start, stop and CRC all hold.
    pub fn from_strip_bits(bits: &[bool; STRIP_CELLS]) -> Option<Self> {
        if bits[..4] != START || bits[28..] != STOP {
            return None;
        }
        let code = bits[4..20]
            .iter()
            .fold(0u16, |acc, &b| (acc << 1) | u16::from(b));
        let crc = bits[20..28]
            .iter()
            .fold(0u8, |acc, &b| (acc << 1) | u8::from(b));
        (crc8(&code.to_be_bytes()) == crc).then_some(Self(code))
    }
}

impl std::fmt::Display for StyleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

pub const STRIP_CELLS: usize = 32;
pub const START: [bool; 4] = [true, true, false, true];
pub const STOP: [bool; 4] = [true, false, true, true];

/// CRC-8, polynomial 0x07, init 0, no reflection, no final XOR.
pub fn crc8(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &b in bytes {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_check_values() {
        assert_eq!(crc8(&[0x01, 0x01]), 0x12);
        assert_eq!(crc8(&[0x02, 0x0B]), 0x1B);
        assert_eq!(crc8(&[0x03, 0x0E]), 0x15);
        assert_eq!(crc8(&[0x01, 0x07]), 0x00);
        let bits = StyleCode(263).strip_bits();
        assert!(
            bits[20..28].iter().all(|b| !b),
            "263 has all CRC cells blank"
        );
    }

    #[test]
    fn style_code_parts() {
        let c = StyleCode::new(PaperKind::Constituency, 11);
        assert_eq!(c.0, 523);
        assert_eq!(c.kind(), Some(PaperKind::Constituency));
        assert_eq!(c.area(), 11);
    }

    #[test]
    fn strip_read_backwards_fails_crc_or_differs() {
        // The start and stop patterns mirror each other, so a reversed strip has valid
        // framing; the CRC must be what rejects it (or it decodes to another code).
        let mut rejected = 0;
        for code in [257u16, 523, 782, 263, 270, 1000] {
            let bits = StyleCode(code).strip_bits();
            assert_eq!(StyleCode::from_strip_bits(&bits), Some(StyleCode(code)));
            let mut rev = bits;
            rev.reverse();
            assert_eq!(rev[..4], START);
            if StyleCode::from_strip_bits(&rev) != Some(StyleCode(code)) {
                rejected += 1;
            }
        }
        assert_eq!(rejected, 6);
    }

    proptest::proptest! {
        #[test]
        fn strip_round_trips(code in 0u16..=u16::MAX) {
            let bits = StyleCode(code).strip_bits();
            proptest::prop_assert_eq!(StyleCode::from_strip_bits(&bits), Some(StyleCode(code)));
        }

        #[test]
        fn one_flipped_cell_is_caught(code in 0u16..=u16::MAX, cell in 0usize..32) {
            let mut bits = StyleCode(code).strip_bits();
            bits[cell] = !bits[cell];
            proptest::prop_assert_eq!(StyleCode::from_strip_bits(&bits), None);
        }
    }
}
