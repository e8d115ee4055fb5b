//! Capture framing (placeholder while the reader is written).
use crate::time::Timestamp;
use std::collections::BTreeMap;
use std::fmt;

/// One packet record as the capture file stores it.
pub struct RawPacket<'a> {
    pub ts: Timestamp,
    pub linktype: i32,
    pub caplen: u32,
    pub origlen: u32,
    pub data: &'a [u8],
    pub number: u64,
    pub offset: u64,
    pub interface: u32,
}

#[derive(Debug)]
pub struct CaptureError {
    pub offset: u64,
    pub message: String,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Default)]
pub struct CaptureReader {
    anomalies: BTreeMap<&'static str, u64>,
}

impl CaptureReader {
    pub fn new() -> CaptureReader {
        CaptureReader::default()
    }
    pub fn format(&self) -> Option<&'static str> {
        None
    }
    pub fn push(&mut self, _chunk: &[u8], _on_packet: &mut dyn FnMut(&RawPacket)) -> Result<(), CaptureError> {
        Err(CaptureError { offset: 0, message: "capture reading is not written yet".into() })
    }
    pub fn finish(&mut self) -> Result<(), CaptureError> {
        Ok(())
    }
    pub fn anomalies(&self) -> &BTreeMap<&'static str, u64> {
        &self.anomalies
    }
}
