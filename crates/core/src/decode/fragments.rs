//! IP fragment reassembly (RFC 791 for IPv4, RFC 8200 section 4.5 for IPv6) on top of
//! etherparse's `IpDefragPool`.
//!
//! etherparse's pool has no protection against memory exhaustion, so this wrapper bounds
//! it: datagrams unfinished after [`FRAGMENT_TIMEOUT_NANOS`] of capture time are dropped, and
//! when more than [`MAX_HELD_FRAGMENTS`] fragments wait at once every pending datagram is
//! dropped. Each dropped fragment is counted (`fragments_expired`, `fragments_overflow`),
//! as are fragments etherparse rejects (`fragment_invalid`).

use crate::time::Timestamp;
use etherparse::defrag::IpDefragPool;
use etherparse::{IpNumber, SlicedPacket};

/// How long a datagram may wait for its missing fragments (Zeek's default is 5 minutes
/// for `frag_timeout`; 30 seconds matches Linux's `ipfrag_time`).
pub const FRAGMENT_TIMEOUT_NANOS: i64 = 30 * 1_000_000_000;

/// Maximum number of fragments kept at once; beyond it the pool is emptied.
pub const MAX_HELD_FRAGMENTS: u64 = 20_000;

/// A reassembled datagram.
pub struct Datagram {
    pub ip_number: IpNumber,
    pub payload: Vec<u8>,
}

/// What became of one fragment.
pub enum AddOutcome {
    /// Stored; the datagram is not complete yet.
    Pending,
    /// Rejected or dropped with its datagram.
    Dropped,
    /// The fragment completed its datagram.
    Complete(Datagram),
}

/// Holds fragments until their datagrams are complete, within the bounds above.
#[derive(Default)]
pub struct Reassembler {
    pool: IpDefragPool<i64, ()>,
    held: u64,
    last_sweep: i64,
    expired: u64,
    overflow: u64,
    invalid: u64,
}

impl Reassembler {
    /// Returns the drop counts by name.
    pub fn anomalies(&self) -> Vec<(&'static str, u64)> {
        [("fragments_expired", self.expired), ("fragments_overflow", self.overflow), ("fragment_invalid", self.invalid)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Adds one fragment, given the IP packet's bytes (from the IP header on).
    pub fn add(&mut self, ts: Timestamp, ip_bytes: &[u8]) -> AddOutcome {
        self.sweep(ts.0);
        let Ok(sliced) = SlicedPacket::from_ip(ip_bytes) else {
            self.invalid += 1;
            return AddOutcome::Dropped;
        };
        match self.pool.process_sliced_packet(&sliced, ts.0, ()) {
            Ok(None) => {
                self.held += 1;
                AddOutcome::Pending
            }
            Ok(Some(done)) => {
                self.held = self.held.saturating_sub(1);
                AddOutcome::Complete(Datagram { ip_number: done.ip_number, payload: done.payload })
            }
            Err(_) => {
                self.invalid += 1;
                AddOutcome::Dropped
            }
        }
    }

    /// Drops datagrams older than the timeout, or all of them when too many fragments wait.
    fn sweep(&mut self, now: i64) {
        if self.held > MAX_HELD_FRAGMENTS {
            self.overflow += self.held;
            self.held = 0;
            self.pool.retain(|_| false);
            return;
        }
        if now.saturating_sub(self.last_sweep) < FRAGMENT_TIMEOUT_NANOS {
            return;
        }
        self.last_sweep = now;
        let dropped = std::cell::Cell::new(false);
        self.pool.retain(|started| {
            let keep = now.saturating_sub(*started) < FRAGMENT_TIMEOUT_NANOS;
            dropped.set(dropped.get() || !keep);
            keep
        });
        if dropped.get() {
            // NOTE: the pool does not say how many fragments a dropped datagram held, so
            // `fragments_expired` counts sweeps that dropped something, not fragments.
            self.expired += 1;
        }
    }
}
