//! Errors of the capture-framing layer.
//!
//! A [`CaptureError`] stops reading a file. It carries the byte offset, from the start of the
//! file, of the record or header that could not be framed, so that a message reads like
//! `trace.pcap: byte 4096: pcapng block total length in header 32 and trailer 808464432 differ`.
//! Problems that do not stop reading (a clamped caplen, an unknown interface) are anomalies,
//! counted by name on the reader instead.

use std::fmt;

/// Why a capture file could not be read further.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureErrorKind {
    /// The file holds no bytes at all.
    Empty,
    /// The first bytes match neither a pcap nor a pcapng magic number.
    UnknownFormat {
        /// Up to the first four bytes of the file.
        first_bytes: Vec<u8>,
    },
    /// A pcap file header with a version libpcap does not read (it reads 2.0 to 2.4).
    UnsupportedPcapVersion { major: u16, minor: u16 },
    /// A pcapng section header with a version libpcap does not read (it reads 1.0 and 1.2).
    UnsupportedPcapngVersion { major: u16, minor: u16 },
    /// A pcapng section header whose byte-order magic is neither 1a2b3c4d nor its reverse.
    InvalidByteOrderMagic { value: u32 },
    /// A record or block longer than [`super::MAX_RECORD_LEN`], which only a damaged file has.
    RecordTooLong { length: u64 },
    /// A pcapng block total length that is too small or not a multiple of four.
    InvalidBlockLength { length: u32 },
    /// A pcapng block whose trailing length differs from its leading length.
    BlockLengthMismatch { header: u32, trailer: u32 },
    /// The first pcapng block is not a section header.
    MissingSectionHeader { block_type: u32 },
    /// The file ends inside a header, record or block.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes present.
        present: u64,
        /// Bytes the header announced.
        needed: u64,
    },
}

/// An error that stops reading a capture file, with the file offset where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureError {
    /// Byte offset from the start of the file.
    pub offset: u64,
    /// What is wrong.
    pub kind: CaptureErrorKind,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CaptureErrorKind::Empty => write!(f, "file is empty: expected a pcap or pcapng header"),
            CaptureErrorKind::UnknownFormat { first_bytes } => {
                write!(f, "not a pcap or pcapng capture: unknown magic number ")?;
                for byte in first_bytes {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
            CaptureErrorKind::UnsupportedPcapVersion { major, minor } => {
                write!(f, "unsupported pcap file version {major}.{minor} (expected 2.4)")
            }
            CaptureErrorKind::UnsupportedPcapngVersion { major, minor } => {
                write!(f, "unsupported pcapng section version {major}.{minor} (expected 1.0)")
            }
            CaptureErrorKind::InvalidByteOrderMagic { value } => {
                write!(f, "invalid pcapng byte-order magic {value:08x} (expected 1a2b3c4d)")
            }
            CaptureErrorKind::RecordTooLong { length } => {
                write!(f, "record length {length} exceeds the maximum of {} bytes; the file is damaged", super::MAX_RECORD_LEN)
            }
            CaptureErrorKind::InvalidBlockLength { length } => {
                write!(f, "invalid pcapng block total length {length} (must be at least 12 and a multiple of 4)")
            }
            CaptureErrorKind::BlockLengthMismatch { header, trailer } => {
                write!(f, "pcapng block total length in header {header} and trailer {trailer} differ")
            }
            CaptureErrorKind::MissingSectionHeader { block_type } => {
                write!(f, "pcapng file does not start with a section header block (block type {block_type:08x})")
            }
            CaptureErrorKind::Truncated { what, present, needed } => {
                write!(f, "file ends inside a {what}: {present} of {needed} bytes present")
            }
        }
    }
}

impl std::error::Error for CaptureError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_problem() {
        let err = CaptureError { offset: 24, kind: CaptureErrorKind::Truncated { what: "pcap record", present: 10, needed: 74 } };
        assert_eq!(err.to_string(), "file ends inside a pcap record: 10 of 74 bytes present");
        let err = CaptureError { offset: 0, kind: CaptureErrorKind::UnknownFormat { first_bytes: vec![0x3c, 0x31, 0x33, 0x3e] } };
        assert_eq!(err.to_string(), "not a pcap or pcapng capture: unknown magic number 3c31333e");
        let err = CaptureError { offset: 0, kind: CaptureErrorKind::BlockLengthMismatch { header: 32, trailer: 808464432 } };
        assert_eq!(err.to_string(), "pcapng block total length in header 32 and trailer 808464432 differ");
    }
}
