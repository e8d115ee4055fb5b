//! The TCP endpoint state machine, following Zeek's `TCPSessionAdapter` (RFC 793 states
//! summarised into Zeek's endpoint states).
//!
//! Each side of a connection is an [`Endpoint`]: its state (inactive, SYN sent, SYN-ACK
//! sent, partial, established, closed, reset), its sequence space (start, last and
//! acknowledged sequence numbers, tracked across 32-bit wrap-around), and its counters. The
//! payload size Zeek logs (`orig_bytes`, `resp_bytes`) comes from this sequence space, so a
//! retransmission is not counted twice and data the capture missed still counts.

use super::history::LogScaleCounter;

/// Zeek's TCP endpoint states (`TCP_ENDPOINT_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TcpState {
    /// Nothing seen from this side.
    #[default]
    Inactive,
    /// Sent a SYN.
    SynSent,
    /// Sent a SYN-ACK.
    SynAckSent,
    /// Sent something other than a SYN first (a midstream start).
    Partial,
    /// The handshake completed.
    Established,
    /// Sent a FIN.
    Closed,
    /// Sent a RST.
    Reset,
}

/// Sequence deltas larger than this are not trusted on SYN or RST packets (Zeek's
/// `TOO_LARGE_SEQ_DELTA`, 1 MiB).
const TOO_LARGE_SEQ_DELTA: i32 = 1_048_576;

/// Returns the signed distance from `b` to `a` in 32-bit sequence space.
pub fn seq_delta(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// One side of a TCP connection.
#[derive(Clone, Debug, Default)]
pub struct Endpoint {
    pub state: TcpState,
    pub prev_state: TcpState,
    start_seq: u64,
    /// Highest sequence number sent plus one, unwrapped to 64 bits.
    last_seq: u64,
    /// Highest sequence number the peer acknowledged, unwrapped to 64 bits.
    ack_seq: u64,
    initialised: bool,
    pub fin_count: u32,
    pub did_close: bool,
    pub hist_last_syn: u64,
    pub hist_last_fin: u64,
    pub hist_last_rst: u64,
    pub retransmits: LogScaleCounter,
    pub bad_checksums: LogScaleCounter,
    pub zero_windows: LogScaleCounter,
    pub gaps: LogScaleCounter,
    /// Bytes the peer acknowledged that this side was never seen to send.
    pub missed_bytes: u64,
    /// Payload (and FIN) ranges seen beyond `contiguous_end`, relative sequence numbers,
    /// start to end.
    pending_ranges: std::collections::BTreeMap<u64, u64>,
    /// The first relative sequence number not yet covered without a hole (1 after the SYN).
    contiguous_end: u64,
}

impl Endpoint {
    /// Sets a new state, remembering the previous one.
    pub fn set_state(&mut self, state: TcpState) {
        if state != self.state {
            self.prev_state = self.state;
            self.state = state;
        }
    }

    /// Returns true if and only if the endpoint's sequence space has been initialised.
    pub fn is_initialised(&self) -> bool {
        self.initialised
    }

    /// Initialises the sequence space at `start` (the SYN's sequence number, or one before
    /// the first byte seen on a partial connection).
    pub fn init_seq(&mut self, start: u32, last: u32) {
        self.start_seq = u64::from(start);
        self.ack_seq = u64::from(start);
        self.last_seq = self.start_seq + u64::from(last.wrapping_sub(start));
        self.initialised = true;
        self.pending_ranges.clear();
        self.contiguous_end = 1;
    }

    /// Records that this side sent the relative range `[start, end)` (payload, or the FIN
    /// octet), as Zeek's reassembler records delivered data.
    pub fn data_seen(&mut self, start: u64, end: u64) {
        if end <= self.contiguous_end {
            return;
        }
        let start = start.max(self.contiguous_end);
        let entry = self.pending_ranges.entry(start).or_insert(end);
        *entry = (*entry).max(end);
        self.advance_contiguous();
    }

    /// Handles an acknowledgment of this side's data up to relative `rel_ack`: the bytes
    /// between the last contiguous data and `rel_ack` that were never seen are a content
    /// gap. Returns the gap size (0 if none).
    pub fn ack_received(&mut self, rel_ack: u64) -> u64 {
        if self.state == TcpState::Inactive || rel_ack <= self.contiguous_end {
            return 0;
        }

        // Count the hole, minus the pieces seen out of order inside it.
        let mut missing = rel_ack - self.contiguous_end;
        for (&start, &end) in self.pending_ranges.range(..rel_ack) {
            let covered = end.min(rel_ack).saturating_sub(start.max(self.contiguous_end));
            missing = missing.saturating_sub(covered);
        }
        self.contiguous_end = rel_ack;
        self.advance_contiguous();
        self.missed_bytes += missing;
        missing
    }

    /// Moves `contiguous_end` over the pending ranges that now touch it.
    fn advance_contiguous(&mut self) {
        while let Some((&start, &end)) = self.pending_ranges.first_key_value() {
            if start > self.contiguous_end {
                break;
            }
            self.contiguous_end = self.contiguous_end.max(end);
            self.pending_ranges.pop_first();
        }
    }

    /// Returns the starting sequence number as it appeared on the wire.
    pub fn start_seq_wire(&self) -> u32 {
        self.start_seq as u32
    }

    /// Unwraps a wire sequence number to the 64-bit space nearest to `reference`.
    fn unwrap_near(reference: u64, seq: u32) -> u64 {
        let delta = i64::from(seq_delta(seq, reference as u32));
        (reference as i64 + delta).max(0) as u64
    }

    /// Returns the sequence number relative to the start (Zeek's `rel_seq`); negative values
    /// (data before the start) come back as `None`.
    pub fn relative(&self, seq: u32) -> Option<u64> {
        let abs = Self::unwrap_near(self.last_seq, seq);
        abs.checked_sub(self.start_seq)
    }

    /// Moves `last_seq` to `seq_one_past` per Zeek's `update_last_seq`; returns the delta and
    /// whether the packet was a retransmission.
    pub fn update_last_seq(&mut self, seq_one_past: u32, syn_or_rst: bool, fin: bool, payload_len: u32) -> (i32, bool) {
        let delta = seq_delta(seq_one_past, self.last_seq as u32);
        if syn_or_rst && !(-TOO_LARGE_SEQ_DELTA..=TOO_LARGE_SEQ_DELTA).contains(&delta) {
            return (delta, false);
        }
        if fin && self.last_seq == self.start_seq + 1 {
            self.last_seq = Self::unwrap_near(self.last_seq, seq_one_past);
            return (delta, false);
        }
        if self.state == TcpState::Reset {
            return (delta, false);
        }
        if delta > 0 {
            self.last_seq = Self::unwrap_near(self.last_seq, seq_one_past);
            return (delta, false);
        }
        (delta, payload_len > 0)
    }

    /// Records an acknowledgment the peer sent for this side's data (Zeek's
    /// `update_ack_seq`): only forward moves count, and an ack of 0 far ahead is ignored.
    pub fn update_ack_seq(&mut self, ack: u32) {
        let delta = seq_delta(ack, self.ack_seq as u32);
        if ack == 0 && delta > TOO_LARGE_SEQ_DELTA {
            return;
        }
        if delta > 0 {
            self.ack_seq = Self::unwrap_near(self.ack_seq, ack);
        }
    }

    /// Returns the payload size Zeek logs: the larger of the last sequence number and the
    /// acknowledged one, minus the start, minus the SYN and FIN octets (Zeek's
    /// `TCP_Endpoint::Size`).
    pub fn size(&self, peer_state: TcpState) -> u64 {
        if self.prev_state == TcpState::SynSent && self.state == TcpState::Reset && peer_state == TcpState::Inactive {
            // A half-open connection found and aborted: its sequence numbers say nothing.
            return 0;
        }
        let top = self.last_seq.max(self.ack_seq);
        let mut size = top.saturating_sub(self.start_seq).saturating_sub(1);
        if self.fin_count > 0 && size > 0 {
            size -= 1;
        }
        size
    }
}
