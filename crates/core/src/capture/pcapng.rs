//! The pcapng format: a sequence of sections, each a Section Header Block (SHB) followed by
//! Interface Description Blocks (IDB) and packet blocks.
//!
//! Each section has its own byte order (the SHB's byte-order magic) and its own interface
//! numbering; each interface has its own link type, snaplen, `if_tsresol` and `if_tsoffset`.
//! Packets come in Enhanced Packet Blocks (EPB, with interface and timestamp), Simple Packet
//! Blocks (SPB, always interface 0, no timestamp) and Obsolete Packet Blocks (OPB, block
//! type 2, from old writers). Blocks are framed here by their total length, checked against
//! the trailing copy, and parsed with pcap-parser.
//!
//! NOTE: an SPB carries no timestamp; it takes the time of the packet before it in the file
//! (or 0), so that it keeps its place in time order.

use super::{clamp_caplen, CaptureErrorKind, FrameStats, Framer, PacketSink, RawPacket, Step, MAX_RECORD_LEN};
use crate::time::{Timestamp, NANOS_PER_SEC};
use pcap_parser::pcapng::{parse_block_be, parse_block_le, Block, InterfaceDescriptionBlock};
use pcap_parser::traits::PcapNGPacketBlock;

const SHB_TYPE: u32 = 0x0a0d_0d0a;
const OPB_TYPE: u32 = 0x0000_0002;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

/// Returns true if and only if `magic` is the pcapng section header block type.
pub(super) fn is_magic(magic: [u8; 4]) -> bool {
    u32::from_le_bytes(magic) == SHB_TYPE
}

/// One interface of the current section.
#[derive(Clone, Copy, Debug)]
struct Interface {
    linktype: u16,
    snaplen: u32,
    /// Timestamp units per second.
    units_per_sec: u64,
    /// Seconds added to every timestamp.
    offset_secs: i64,
}

/// Frames a pcapng file, one block per step.
#[derive(Default)]
pub(super) struct PcapngFramer {
    big_endian: Option<bool>,
    interfaces: Vec<Interface>,
    last_ts: Timestamp,
}

impl Framer for PcapngFramer {
    fn step(&mut self, input: &[u8], offset: u64, stats: &mut FrameStats, sink: &mut PacketSink) -> Result<Step, CaptureErrorKind> {
        let Some(len) = self.block_len(input)? else {
            return Ok(Step::NeedMore { what: "pcapng block header", needed: 12 });
        };
        if input.len() < len {
            return Ok(Step::NeedMore { what: "pcapng block", needed: len as u64 });
        }
        let block = &input[..len];

        // The trailing length must repeat the leading one, or the framing is lost.
        let big_endian = self.big_endian.unwrap_or(false);
        let trailer = read_u32(&block[len - 4..], big_endian);
        if trailer as usize != len {
            return Err(CaptureErrorKind::BlockLengthMismatch { header: len as u32, trailer });
        }
        self.read_block(block, offset, stats, sink)?;
        Ok(Step::Consumed(len))
    }
}

impl PcapngFramer {
    /// Returns the total length of the block at the front of `input`, once 12 bytes are
    /// present. A section header sets the byte order for itself and what follows.
    fn block_len(&mut self, input: &[u8]) -> Result<Option<usize>, CaptureErrorKind> {
        if input.len() < 12 {
            return Ok(None);
        }
        let block_type = u32::from_le_bytes([input[0], input[1], input[2], input[3]]);
        if block_type == SHB_TYPE {
            let bom = u32::from_le_bytes([input[8], input[9], input[10], input[11]]);
            self.big_endian = match bom {
                BYTE_ORDER_MAGIC => Some(false),
                b if b == BYTE_ORDER_MAGIC.swap_bytes() => Some(true),
                value => return Err(CaptureErrorKind::InvalidByteOrderMagic { value }),
            };
        }
        let Some(big_endian) = self.big_endian else {
            return Err(CaptureErrorKind::MissingSectionHeader { block_type });
        };
        let len = read_u32(&input[4..8], big_endian);
        if u64::from(len) > MAX_RECORD_LEN {
            return Err(CaptureErrorKind::RecordTooLong { length: u64::from(len) });
        }
        if len < 12 || len % 4 != 0 {
            return Err(CaptureErrorKind::InvalidBlockLength { length: len });
        }
        Ok(Some(len as usize))
    }

    /// Handles one complete block.
    fn read_block(&mut self, block: &[u8], offset: u64, stats: &mut FrameStats, sink: &mut PacketSink) -> Result<(), CaptureErrorKind> {
        let big_endian = self.big_endian.unwrap_or(false);
        let block_type = read_u32(&block[..4], big_endian);
        if block_type == OPB_TYPE {
            self.read_obsolete_packet(block, offset, stats, sink);
            return Ok(());
        }
        let parsed = if big_endian { parse_block_be(block) } else { parse_block_le(block) };
        let parsed = match parsed {
            Ok((_, parsed)) => parsed,
            Err(_) => {
                return self.read_malformed(block_type, block, offset, stats, sink);
            }
        };
        match parsed {
            Block::SectionHeader(shb) => self.start_section(shb.major_version, shb.minor_version),
            Block::InterfaceDescription(idb) => {
                self.add_interface(&idb, stats);
                Ok(())
            }
            Block::EnhancedPacket(epb) => {
                let ts_units = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let data = epb.raw_packet_data();
                self.deliver(epb.if_id, ts_units, epb.caplen, epb.origlen, data, offset, stats, sink);
                Ok(())
            }
            Block::SimplePacket(spb) => {
                self.deliver_simple(spb.origlen, spb.data, offset, stats, sink);
                Ok(())
            }
            _ => {
                stats.anomaly("pcapng_block_skipped");
                Ok(())
            }
        }
    }

    /// Starts a new section: interfaces of the previous one no longer apply.
    fn start_section(&mut self, major: u16, minor: u16) -> Result<(), CaptureErrorKind> {
        // libpcap reads 1.0 and 1.2 (1.2 was written by some early writers) and rejects others.
        if !(major == 1 && (minor == 0 || minor == 2)) {
            return Err(CaptureErrorKind::UnsupportedPcapngVersion { major, minor });
        }
        self.interfaces.clear();
        Ok(())
    }

    /// Records an interface; an unusable `if_tsresol` falls back to microseconds.
    fn add_interface(&mut self, idb: &InterfaceDescriptionBlock, stats: &mut FrameStats) {
        let units_per_sec = match units_per_second(idb.if_tsresol) {
            Some(units) => units,
            None => {
                stats.anomaly("if_tsresol_invalid");
                1_000_000
            }
        };
        self.interfaces.push(Interface {
            linktype: (idb.linktype.0 & 0xffff) as u16,
            snaplen: idb.snaplen,
            units_per_sec,
            offset_secs: idb.if_tsoffset,
        });
    }

    /// Delivers a packet from an EPB or OPB.
    #[allow(clippy::too_many_arguments)]
    fn deliver(&mut self, if_id: u32, ts_units: u64, caplen: u32, origlen: u32, data: &[u8], offset: u64, stats: &mut FrameStats, sink: &mut PacketSink) {
        let Some(interface) = self.interfaces.get(if_id as usize).copied() else {
            stats.anomaly("packet_for_unknown_interface");
            return;
        };
        let ts = interface_time(&interface, ts_units);
        self.last_ts = ts;
        let len = clamp_caplen(caplen, origlen, data.len(), stats);
        stats.packets += 1;
        let packet = RawPacket {
            ts,
            linktype: interface.linktype,
            caplen: len as u32,
            origlen,
            data: &data[..len],
            number: stats.packets,
            offset,
            interface: if_id,
        };
        sink(&packet);
    }

    /// Delivers a packet from an SPB: interface 0, captured length from origlen and snaplen.
    fn deliver_simple(&mut self, origlen: u32, data: &[u8], offset: u64, stats: &mut FrameStats, sink: &mut PacketSink) {
        let Some(interface) = self.interfaces.first().copied() else {
            stats.anomaly("packet_for_unknown_interface");
            return;
        };
        let mut caplen = origlen;
        if interface.snaplen != 0 {
            caplen = caplen.min(interface.snaplen);
        }
        let len = (caplen as usize).min(data.len());
        stats.packets += 1;
        let packet = RawPacket {
            ts: self.last_ts,
            linktype: interface.linktype,
            caplen: len as u32,
            origlen,
            data: &data[..len],
            number: stats.packets,
            offset,
            interface: 0,
        };
        sink(&packet);
    }

    /// Reads an Obsolete Packet Block: u16 interface, u16 drops, timestamp, caplen, origlen.
    fn read_obsolete_packet(&mut self, block: &[u8], offset: u64, stats: &mut FrameStats, sink: &mut PacketSink) {
        let big_endian = self.big_endian.unwrap_or(false);
        if block.len() < 32 {
            stats.anomaly("pcapng_block_malformed");
            return;
        }
        let if_id = read_u16(&block[8..10], big_endian);
        let (ts_units, caplen, origlen, data) = packet_fields(block, big_endian);
        self.deliver(u32::from(if_id), ts_units, caplen, origlen, data, offset, stats, sink);
    }

    /// Handles a block pcap-parser rejected. An EPB whose caplen runs past the block is still
    /// read, clamped to the bytes present; other blocks are skipped and counted.
    fn read_malformed(&mut self, block_type: u32, block: &[u8], offset: u64, stats: &mut FrameStats, sink: &mut PacketSink) -> Result<(), CaptureErrorKind> {
        const EPB_TYPE: u32 = 6;
        let big_endian = self.big_endian.unwrap_or(false);
        if block_type == SHB_TYPE {
            let major = read_u16(&block[12..14], big_endian);
            let minor = if block.len() >= 16 { read_u16(&block[14..16], big_endian) } else { 0 };
            self.start_section(major, minor)?;
            stats.anomaly("pcapng_section_header_malformed");
            return Ok(());
        }
        if block_type != EPB_TYPE || block.len() < 32 {
            stats.anomaly("pcapng_block_malformed");
            return Ok(());
        }
        let if_id = read_u32(&block[8..12], big_endian);
        let (ts_units, caplen, origlen, data) = packet_fields(block, big_endian);
        self.deliver(if_id, ts_units, caplen, origlen, data, offset, stats, sink);
        Ok(())
    }
}

/// Reads the fields EPB and OPB share after the interface field: the 64-bit timestamp,
/// caplen, origlen, and the bytes up to the trailing length (data, padding and options, which
/// the caller clamps to caplen). The block must be at least 32 bytes long.
fn packet_fields(block: &[u8], big_endian: bool) -> (u64, u32, u32, &[u8]) {
    let ts_units = (u64::from(read_u32(&block[12..16], big_endian)) << 32) | u64::from(read_u32(&block[16..20], big_endian));
    let caplen = read_u32(&block[20..24], big_endian);
    let origlen = read_u32(&block[24..28], big_endian);
    (ts_units, caplen, origlen, &block[28..block.len() - 4])
}

/// Returns the timestamp units per second that an `if_tsresol` value means: 10^n when the
/// high bit is clear, 2^n (n in the low seven bits) when it is set. Returns `None` when the
/// result does not fit in 64 bits (n > 19 for powers of ten, n > 63 for powers of two).
///
/// pcap-parser 0.17's `build_ts_resolution` compares the whole byte, high bit included,
/// against 63, so it rejects every power-of-two resolution; this function replaces it.
fn units_per_second(if_tsresol: u8) -> Option<u64> {
    let exponent = u32::from(if_tsresol & 0x7f);
    if if_tsresol & 0x80 == 0 {
        10u64.checked_pow(exponent)
    } else {
        1u64.checked_shl(exponent).filter(|_| exponent < 64)
    }
}

/// Converts timestamp units of an interface to nanoseconds since the epoch.
fn interface_time(interface: &Interface, units: u64) -> Timestamp {
    let per_sec = u128::from(interface.units_per_sec);
    let units = u128::from(units);
    let secs = (units / per_sec) as i64;
    let nanos = ((units % per_sec) * NANOS_PER_SEC as u128 / per_sec) as i64;
    Timestamp::from_parts(secs.saturating_add(interface.offset_secs), nanos)
}

fn read_u32(bytes: &[u8], big_endian: bool) -> u32 {
    let b = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
}

fn read_u16(bytes: &[u8], big_endian: bool) -> u16 {
    let b = [bytes[0], bytes[1]];
    if big_endian { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) }
}
