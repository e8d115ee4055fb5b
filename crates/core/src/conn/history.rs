//! Zeek's connection history string (`history` in conn.log).
//!
//! Letters: s SYN, h SYN-ACK, a pure ACK, d data, f FIN, r RST, c bad checksum, g content gap,
//! t retransmitted payload, w zero window, i FIN and RST together, q SYN with FIN or RST,
//! ^ direction flipped by Zeek's heuristics. Upper case is the originator, lower case the
//! responder. a, d, i and q appear at most once per direction; s, h, f and r repeat only when
//! the packet carries a new sequence number; c, g, t and w repeat on a logarithmic scale (the
//! second at 10 occurrences, the third at 100, ...), as Zeek's `history_threshold` logic does.

/// One history event kind, per direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mark {
    Syn = 0,
    SynAck,
    Ack,
    Data,
    Fin,
    Rst,
    Checksum,
    Gap,
    Retransmit,
    ZeroWindow,
    FinRst,
    MultiFlag,
}

impl Mark {
    fn letter(self) -> u8 {
        match self {
            Mark::Syn => b'S',
            Mark::SynAck => b'H',
            Mark::Ack => b'A',
            Mark::Data => b'D',
            Mark::Fin => b'F',
            Mark::Rst => b'R',
            Mark::Checksum => b'C',
            Mark::Gap => b'G',
            Mark::Retransmit => b'T',
            Mark::ZeroWindow => b'W',
            Mark::FinRst => b'I',
            Mark::MultiFlag => b'Q',
        }
    }
}

/// Occurrences of one log-scale mark in one direction, and the count at which its letter is
/// written next (1, then 10, 100, ...).
#[derive(Clone, Copy, Debug, Default)]
pub struct LogScaleCounter {
    pub count: u64,
    pub next: u64,
}

/// The history of one connection.
#[derive(Clone, Debug, Default)]
pub struct History {
    letters: String,
    /// Bit `mark + 16 * responder` is set once the mark was seen in that direction.
    seen: u32,
}

impl History {
    /// Returns the letters so far.
    pub fn as_str(&self) -> &str {
        &self.letters
    }

    /// Adds the letter of `mark` unconditionally.
    pub fn add(&mut self, mark: Mark, is_orig: bool) {
        let letter = mark.letter();
        self.letters.push(if is_orig { letter } else { letter.to_ascii_lowercase() } as char);
    }

    /// Adds the letter the first time `mark` is seen in this direction. Returns true if and
    /// only if it had been seen before (the caller then decides whether to repeat it), as
    /// Zeek's `CheckHistory` does.
    pub fn check(&mut self, mark: Mark, is_orig: bool) -> bool {
        let bit = 1u32 << (mark as u32 + if is_orig { 0 } else { 16 });
        if self.seen & bit == 0 {
            self.seen |= bit;
            self.add(mark, is_orig);
            false
        } else {
            true
        }
    }

    /// Counts one more occurrence of a log-scale mark (c, g, t, w) and adds its letter at the
    /// 1st, 10th, 100th, ... occurrence.
    pub fn add_log_scaled(&mut self, mark: Mark, is_orig: bool, counter: &mut LogScaleCounter) {
        counter.count += 1;
        if counter.count >= counter.next.max(1) {
            self.add(mark, is_orig);
            counter.next = counter.count.saturating_mul(10);
        }
    }

    /// Marks a direction flip: the roles swap, so the letters already written swap case,
    /// the per-direction marks swap, and a `^` leads, as Zeek's conn.log shows for
    /// connections flipped after their first packet (e.g. `^hADadFf` for a SYN-ACK seen
    /// first, then the client's ACK).
    pub fn flip(&mut self) {
        let swapped: String = self
            .letters
            .chars()
            .map(|c| if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
            .collect();
        self.letters = format!("^{swapped}");
        self.seen = self.seen.rotate_left(16);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_adds_once_per_direction() {
        let mut h = History::default();
        assert!(!h.check(Mark::Ack, true));
        assert!(h.check(Mark::Ack, true));
        assert!(!h.check(Mark::Ack, false));
        assert_eq!(h.as_str(), "Aa");
    }

    #[test]
    fn log_scale_adds_at_1_10_100() {
        let mut h = History::default();
        let mut counter = LogScaleCounter::default();
        for _ in 0..150 {
            h.add_log_scaled(Mark::Retransmit, true, &mut counter);
        }
        assert_eq!(h.as_str(), "TTT");
    }

    #[test]
    fn flip_swaps_case() {
        let mut h = History::default();
        h.check(Mark::SynAck, true);
        h.flip();
        assert_eq!(h.as_str(), "^h");
        assert!(h.check(Mark::SynAck, false));
    }
}
