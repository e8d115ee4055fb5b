//! Capture framing: pcap and pcapng bytes in, packet records out.
//!
//! A [`CaptureReader`] is pushed the bytes of one file in chunks of any size (one byte at a
//! time works as well as the whole file) and calls back once per packet record with a
//! [`RawPacket`]: the timestamp in nanoseconds, the link type of the record's interface, the
//! captured length (`caplen`), the length on the wire (`origlen`) and the captured bytes. A
//! record that straddles two chunks is kept until it is complete.
//!
//! Formats:
//! - pcap (libpcap's savefile): magic a1b2c3d4 (microseconds) or a1b23c4d (nanoseconds) in
//!   either byte order, and the "modified" Alexey Kuznetzov format (a1b2cd34), versions 2.0
//!   to 2.4.
//! - pcapng: any number of sections, each with its own byte order and interfaces; each
//!   interface has its own link type, snaplen, `if_tsresol` (10^-n or 2^-n) and
//!   `if_tsoffset`. Enhanced, simple and obsolete packet blocks carry packets; other blocks
//!   are skipped and counted.
//!
//! Guarantees: no input makes the reader panic or loop; a record may not exceed
//! [`MAX_RECORD_LEN`], so a damaged length field cannot make the reader buffer without bound.
//! Records whose caplen exceeds the file's snaplen are read, as tcpdump and Wireshark read
//! them. A caplen larger than the bytes present or than origlen is clamped and counted as an
//! anomaly. Framing is done by pcap-parser's streaming (nom) parsers over a buffer this
//! reader owns.

mod error;
mod pcap;
mod pcapng;

pub use error::{CaptureError, CaptureErrorKind};

use crate::time::Timestamp;
use std::collections::BTreeMap;

/// The largest record or block the reader accepts, in bytes (16 MiB). libpcap's own limit
/// for a packet is 256 KiB (262144); the margin leaves room for link types with larger
/// frames while still rejecting a garbage length before buffering it.
pub const MAX_RECORD_LEN: u64 = 16 * 1024 * 1024;

/// A link-layer header type number, as registered at tcpdump.org (`LINKTYPE_*`).
pub type Linktype = u16;

/// One packet record as the capture file stores it.
#[derive(Clone, Copy, Debug)]
pub struct RawPacket<'a> {
    /// Capture time.
    pub ts: Timestamp,
    /// Link type of the interface the packet was captured on.
    pub linktype: Linktype,
    /// Bytes captured, after clamping (equals `data.len()`).
    pub caplen: u32,
    /// Length of the packet on the wire.
    pub origlen: u32,
    /// The captured bytes, starting with the link-layer header.
    pub data: &'a [u8],
    /// Packet number within the file, from 1, as Wireshark counts.
    pub number: u64,
    /// Byte offset of the record (or block) in the file.
    pub offset: u64,
    /// pcapng interface index within its section (0 for pcap).
    pub interface: u32,
}

/// Counters a framer updates while it reads.
#[derive(Debug, Default)]
pub(crate) struct FrameStats {
    /// Packet records delivered so far.
    pub packets: u64,
    /// Input anomalies that did not stop reading, by stable name.
    pub anomalies: BTreeMap<&'static str, u64>,
}

impl FrameStats {
    pub(crate) fn anomaly(&mut self, name: &'static str) {
        *self.anomalies.entry(name).or_default() += 1;
    }
}

/// The callback that receives each packet record.
pub type PacketSink<'s> = dyn FnMut(&RawPacket) + 's;

/// The result of one framing step.
pub(crate) enum Step {
    /// This many bytes were consumed (a record was delivered or a block skipped).
    Consumed(usize),
    /// The next record is incomplete; it needs this many bytes in all.
    NeedMore { what: &'static str, needed: u64 },
}

/// A reader of one container format, fed from the front of the unread input.
trait Framer {
    fn step(&mut self, input: &[u8], offset: u64, stats: &mut FrameStats, sink: &mut PacketSink) -> Result<Step, CaptureErrorKind>;
}

enum Format {
    Pcap(pcap::PcapFramer),
    Pcapng(pcapng::PcapngFramer),
}

/// A push-style reader of one pcap or pcapng file.
#[derive(Default)]
pub struct CaptureReader {
    buffer: Vec<u8>,
    consumed: usize,
    buffer_offset: u64,
    format: Option<Format>,
    stats: FrameStats,
    failed: bool,
    pending: Option<(&'static str, u64)>,
}

impl CaptureReader {
    /// Creates a reader that detects the format from the first bytes pushed.
    pub fn new() -> CaptureReader {
        CaptureReader::default()
    }

    /// Returns `pcap` or `pcapng` once the header has been read.
    pub fn format(&self) -> Option<&'static str> {
        match self.format {
            Some(Format::Pcap(_)) => Some("pcap"),
            Some(Format::Pcapng(_)) => Some("pcapng"),
            None => None,
        }
    }

    /// Returns the number of packet records delivered so far.
    pub fn packets(&self) -> u64 {
        self.stats.packets
    }

    /// Returns the anomalies counted so far, by name.
    pub fn anomalies(&self) -> &BTreeMap<&'static str, u64> {
        &self.stats.anomalies
    }

    /// Pushes the next chunk of the file and calls `sink` for every record it completes.
    /// After an error, later pushes do nothing.
    pub fn push(&mut self, chunk: &[u8], sink: &mut PacketSink) -> Result<(), CaptureError> {
        if self.failed {
            return Ok(());
        }
        self.compact();
        self.buffer.extend_from_slice(chunk);

        // Frame as many whole records as the buffer holds.
        loop {
            let input = &self.buffer[self.consumed..];
            let offset = self.buffer_offset + self.consumed as u64;
            let step = match self.format.as_mut() {
                None => match detect(input) {
                    Ok(Some(format)) => {
                        self.format = Some(format);
                        continue;
                    }
                    Ok(None) => Ok(Step::NeedMore { what: "file header", needed: 4 }),
                    Err(kind) => Err(kind),
                },
                Some(Format::Pcap(framer)) => framer.step(input, offset, &mut self.stats, sink),
                Some(Format::Pcapng(framer)) => framer.step(input, offset, &mut self.stats, sink),
            };
            match step {
                Ok(Step::Consumed(n)) => {
                    self.consumed += n;
                    self.pending = None;
                }
                Ok(Step::NeedMore { what, needed }) => {
                    self.pending = Some((what, needed));
                    return Ok(());
                }
                Err(kind) => return Err(self.fail(offset, kind)),
            }
        }
    }

    /// Ends the file. Returns an error if it was empty or ends inside a record.
    pub fn finish(&mut self) -> Result<(), CaptureError> {
        if self.failed {
            return Ok(());
        }
        let offset = self.buffer_offset + self.consumed as u64;
        let left = (self.buffer.len() - self.consumed) as u64;
        if offset == 0 && left == 0 {
            return Err(self.fail(0, CaptureErrorKind::Empty));
        }
        if left == 0 {
            return Ok(());
        }
        if self.format.is_none() {
            let first_bytes = self.buffer[self.consumed..].to_vec();
            return Err(self.fail(offset, CaptureErrorKind::UnknownFormat { first_bytes }));
        }
        let (what, needed) = self.pending.unwrap_or(("record", left + 1));
        Err(self.fail(offset, CaptureErrorKind::Truncated { what, present: left, needed }))
    }

    /// Drops consumed bytes from the front of the buffer.
    fn compact(&mut self) {
        if self.consumed > 0 {
            self.buffer.drain(..self.consumed);
            self.buffer_offset += self.consumed as u64;
            self.consumed = 0;
        }
    }

    fn fail(&mut self, offset: u64, kind: CaptureErrorKind) -> CaptureError {
        self.failed = true;
        self.buffer = Vec::new();
        CaptureError { offset, kind }
    }
}

/// Picks the format from the magic number; `Ok(None)` until four bytes are present.
fn detect(input: &[u8]) -> Result<Option<Format>, CaptureErrorKind> {
    if input.len() < 4 {
        return Ok(None);
    }
    let magic = [input[0], input[1], input[2], input[3]];
    if pcapng::is_magic(magic) {
        return Ok(Some(Format::Pcapng(pcapng::PcapngFramer::default())));
    }
    if pcap::is_magic(magic) {
        return Ok(Some(Format::Pcap(pcap::PcapFramer::default())));
    }
    Err(CaptureErrorKind::UnknownFormat { first_bytes: magic.to_vec() })
}

/// Returns true if and only if the bytes start like a pcap or pcapng file.
pub fn looks_like_capture(first_bytes: &[u8]) -> bool {
    match first_bytes {
        [a, b, c, d, ..] => pcapng::is_magic([*a, *b, *c, *d]) || pcap::is_magic([*a, *b, *c, *d]),
        _ => false,
    }
}

/// Clamps a record's caplen to the bytes present and to origlen, counting each case.
pub(crate) fn clamp_caplen(caplen: u32, origlen: u32, present: usize, stats: &mut FrameStats) -> usize {
    let mut len = caplen as usize;
    if len > present {
        stats.anomaly("caplen_exceeds_record");
        len = present;
    }
    if len > origlen as usize {
        stats.anomaly("caplen_exceeds_origlen");
        len = origlen as usize;
    }
    len
}

#[cfg(test)]
mod tests;
