//! A minimal little-endian pcapng writer: one Section Header Block, one Interface Description
//! Block (Ethernet, microsecond timestamps) and one Enhanced Packet Block per frame.
//!
//! Block layouts follow the pcapng specification (IETF draft-ietf-opsawg-pcapng, sections 4.1,
//! 4.2 and 4.3): every block is `type, total length, body, total length`, and the body is padded
//! to a multiple of 4 bytes. No `if_tsresol` option is written, so readers use the default of
//! 10^-6 seconds per timestamp unit.

/// Block type of the Section Header Block.
const SHB_TYPE: u32 = 0x0A0D_0D0A;
/// Block type of the Interface Description Block.
const IDB_TYPE: u32 = 0x0000_0001;
/// Block type of the Enhanced Packet Block.
const EPB_TYPE: u32 = 0x0000_0006;
/// The byte-order magic, written little-endian so readers detect the section's byte order.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// LINKTYPE_ETHERNET.
const LINKTYPE_ETHERNET: u16 = 1;
/// The snapshot length written in the IDB; every frame here is shorter.
pub const SNAPLEN: u32 = 65_535;
/// Option codes used: `opt_endofopt`, `shb_userappl` and `if_name`.
const OPT_END: u16 = 0;
const OPT_SHB_USERAPPL: u16 = 4;
const OPT_IF_NAME: u16 = 2;

/// Writes a pcapng file into a byte vector.
#[derive(Debug, Default)]
pub struct PcapngWriter {
    bytes: Vec<u8>,
    packets: u64,
}

impl PcapngWriter {
    /// Starts a file with its section header and one Ethernet interface named `interface`.
    pub fn new(application: &str, interface: &str) -> PcapngWriter {
        let mut writer = PcapngWriter::default();
        writer.write_section_header(application);
        writer.write_interface(interface);
        writer
    }

    /// Appends one frame captured at `micros` microseconds after the Unix epoch.
    pub fn write_packet(&mut self, micros: u64, frame: &[u8]) {
        let mut body = Vec::with_capacity(20 + frame.len() + 3);
        push_u32(&mut body, 0); // interface id
        push_u32(&mut body, (micros >> 32) as u32);
        push_u32(&mut body, micros as u32);
        push_u32(&mut body, frame.len() as u32); // caplen
        push_u32(&mut body, frame.len() as u32); // origlen
        body.extend_from_slice(frame);
        pad(&mut body);
        self.write_block(EPB_TYPE, &body);
        self.packets += 1;
    }

    /// Returns the number of packets written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Returns the finished file.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    fn write_section_header(&mut self, application: &str) {
        let mut body = Vec::new();
        push_u32(&mut body, BYTE_ORDER_MAGIC);
        push_u16(&mut body, 1); // major version
        push_u16(&mut body, 0); // minor version
        body.extend_from_slice(&u64::MAX.to_le_bytes()); // section length: not given
        push_option(&mut body, OPT_SHB_USERAPPL, application.as_bytes());
        push_option(&mut body, OPT_END, &[]);
        self.write_block(SHB_TYPE, &body);
    }

    fn write_interface(&mut self, name: &str) {
        let mut body = Vec::new();
        push_u16(&mut body, LINKTYPE_ETHERNET);
        push_u16(&mut body, 0); // reserved
        push_u32(&mut body, SNAPLEN);
        push_option(&mut body, OPT_IF_NAME, name.as_bytes());
        push_option(&mut body, OPT_END, &[]);
        self.write_block(IDB_TYPE, &body);
    }

    fn write_block(&mut self, block_type: u32, body: &[u8]) {
        // Type, length, body, and the length again: 12 bytes around the padded body.
        let total = (body.len() + 12) as u32;
        push_u32(&mut self.bytes, block_type);
        push_u32(&mut self.bytes, total);
        self.bytes.extend_from_slice(body);
        push_u32(&mut self.bytes, total);
    }
}

fn push_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn push_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn push_option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    push_u16(out, code);
    push_u16(out, value.len() as u16);
    out.extend_from_slice(value);
    pad(out);
}

fn pad(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcap_parser::pcapng::{parse_block_le, Block};

    #[test]
    fn writer_output_parses_with_pcap_parser() {
        let mut writer = PcapngWriter::new("test", "eth0");
        writer.write_packet(1_700_000_000_123_456, &[0xab; 61]);
        let bytes = writer.into_bytes();

        let (rest, shb) = parse_block_le(&bytes).expect("section header parses");
        assert!(matches!(shb, Block::SectionHeader(_)));
        let (rest, idb) = parse_block_le(rest).expect("interface parses");
        let Block::InterfaceDescription(idb) = idb else { panic!("expected an IDB") };
        assert_eq!(idb.linktype.0, 1);
        let (rest, epb) = parse_block_le(rest).expect("packet parses");
        let Block::EnhancedPacket(epb) = epb else { panic!("expected an EPB") };
        assert_eq!(epb.caplen, 61);
        assert_eq!(&epb.data[..61], &[0xab; 61][..]);
        assert_eq!((u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low), 1_700_000_000_123_456);
        assert!(rest.is_empty());
    }
}
