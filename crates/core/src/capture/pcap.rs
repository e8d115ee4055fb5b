//! The pcap (libpcap savefile) format: a 24-byte file header, then records of a 16-byte
//! header (seconds, fraction, caplen, origlen) and the captured bytes.
//!
//! The magic number gives the byte order and the meaning of the fraction: a1b2c3d4 for
//! microseconds, a1b23c4d for nanoseconds. The "modified" format (a1b2cd34, from patched
//! Red Hat libpcap) adds 8 bytes per record header (ifindex, protocol, type, padding).
//! The link type lives in the low 16 bits of the header's `network` field; the upper bits may
//! carry FCS information, which is ignored here.

use super::{clamp_caplen, CaptureErrorKind, FrameStats, Framer, PacketSink, RawPacket, Step, MAX_RECORD_LEN};
use crate::time::{Timestamp, NANOS_PER_SEC};
use pcap_parser::pcap::{LegacyPcapBlock, parse_pcap_frame, parse_pcap_frame_be, parse_pcap_frame_modified, parse_pcap_header};

const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
const MAGIC_MODIFIED: u32 = 0xa1b2_cd34;
const FILE_HEADER_LEN: usize = 24;

/// Returns true if and only if `magic` is a pcap magic number in either byte order.
pub(super) fn is_magic(magic: [u8; 4]) -> bool {
    let le = u32::from_le_bytes(magic);
    let be = u32::from_be_bytes(magic);
    [MAGIC_MICROS, MAGIC_NANOS, MAGIC_MODIFIED].iter().any(|m| *m == le || *m == be)
}

/// What the file header said.
#[derive(Clone, Copy, Debug)]
struct FileHeader {
    big_endian: bool,
    nanoseconds: bool,
    modified: bool,
    linktype: u16,
}

/// Frames a pcap file; the header is read on the first step.
#[derive(Default)]
pub(super) struct PcapFramer {
    header: Option<FileHeader>,
}

impl Framer for PcapFramer {
    fn step(&mut self, input: &[u8], offset: u64, stats: &mut FrameStats, sink: &mut PacketSink) -> Result<Step, CaptureErrorKind> {
        match self.header {
            None => self.read_header(input),
            Some(header) => read_record(header, input, offset, stats, sink),
        }
    }
}

impl PcapFramer {
    /// Reads and checks the 24-byte file header.
    fn read_header(&mut self, input: &[u8]) -> Result<Step, CaptureErrorKind> {
        if input.len() < FILE_HEADER_LEN {
            return Ok(Step::NeedMore { what: "pcap file header", needed: FILE_HEADER_LEN as u64 });
        }
        let header = match parse_pcap_header(input) {
            Ok((_, header)) => header,
            Err(_) => return Err(CaptureErrorKind::UnknownFormat { first_bytes: input[..4].to_vec() }),
        };

        // libpcap reads versions 2.0 to 2.4 and rejects the rest (e.g. 2.5).
        if header.version_major != 2 || header.version_minor > 4 {
            return Err(CaptureErrorKind::UnsupportedPcapVersion { major: header.version_major, minor: header.version_minor });
        }
        let magic = header.magic_number;
        self.header = Some(FileHeader {
            big_endian: header.is_bigendian(),
            nanoseconds: magic == MAGIC_NANOS || magic == MAGIC_NANOS.swap_bytes(),
            modified: magic == MAGIC_MODIFIED || magic == MAGIC_MODIFIED.swap_bytes(),
            linktype: (header.network.0 & 0xffff) as u16,
        });
        Ok(Step::Consumed(FILE_HEADER_LEN))
    }
}

/// Reads one record, or asks for more bytes.
fn read_record(header: FileHeader, input: &[u8], offset: u64, stats: &mut FrameStats, sink: &mut PacketSink) -> Result<Step, CaptureErrorKind> {
    let record_header_len = if header.modified { 24 } else { 16 };
    if input.len() < record_header_len {
        return Ok(Step::NeedMore { what: "pcap record header", needed: record_header_len as u64 });
    }

    // Check caplen before asking for its bytes, so a garbage length cannot make us buffer
    // gigabytes; the header's snaplen is not used to reject records.
    let field = |at: usize| {
        let bytes = [input[at], input[at + 1], input[at + 2], input[at + 3]];
        if header.big_endian { u32::from_be_bytes(bytes) } else { u32::from_le_bytes(bytes) }
    };
    let caplen = field(8);
    if u64::from(caplen) > MAX_RECORD_LEN {
        return Err(CaptureErrorKind::RecordTooLong { length: u64::from(caplen) });
    }
    let total = record_header_len + caplen as usize;
    if input.len() < total {
        return Ok(Step::NeedMore { what: "pcap record", needed: total as u64 });
    }

    // The whole record is present, so the streaming parser cannot ask for more.
    let parsed = if header.modified && header.big_endian {
        Ok((&input[total..total], LegacyPcapBlock { ts_sec: field(0), ts_usec: field(4), caplen, origlen: field(12), data: &input[24..total] }))
    } else if header.modified {
        parse_pcap_frame_modified(&input[..total])
    } else if header.big_endian {
        parse_pcap_frame_be(&input[..total])
    } else {
        parse_pcap_frame(&input[..total])
    };
    let Ok((_, block)) = parsed else {
        return Err(CaptureErrorKind::Truncated { what: "pcap record", present: input.len() as u64, needed: total as u64 });
    };

    let ts = record_time(block.ts_sec, block.ts_usec, header.nanoseconds, stats);
    let len = clamp_caplen(block.caplen, block.origlen, block.data.len(), stats);
    stats.packets += 1;
    let packet = RawPacket {
        ts,
        linktype: header.linktype,
        caplen: len as u32,
        origlen: block.origlen,
        data: &block.data[..len],
        number: stats.packets,
        offset,
        interface: 0,
    };
    sink(&packet);
    Ok(Step::Consumed(total))
}

/// Builds a timestamp from unsigned seconds and a fraction in micro- or nanoseconds.
/// A fraction of a whole second or more is counted as an anomaly and carried into the seconds,
/// so the packet keeps its place in time order.
fn record_time(secs: u32, fraction: u32, nanoseconds: bool, stats: &mut FrameStats) -> Timestamp {
    let limit = if nanoseconds { 1_000_000_000 } else { 1_000_000 };
    if fraction >= limit {
        stats.anomaly("timestamp_fraction_out_of_range");
    }
    let nanos = if nanoseconds { i64::from(fraction) } else { i64::from(fraction) * 1_000 };
    Timestamp(i64::from(secs) * NANOS_PER_SEC + nanos)
}
