//! Packet decoding (placeholder while the decoder is written).
use crate::capture::RawPacket;
use crate::time::Timestamp;
use std::collections::BTreeMap;
use std::net::IpAddr;

pub struct Packet {
    pub ts: Timestamp,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ip_len: u32,
}

#[derive(Clone, Copy, Debug)]
pub enum SkipReason {
    NotIp,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        "not_ip"
    }
}

pub enum DecodeOutcome {
    Packet(Packet),
    Skipped(SkipReason),
    Pending,
}

#[derive(Default)]
pub struct Decoder {
    anomalies: BTreeMap<&'static str, u64>,
}

impl Decoder {
    pub fn decode(&mut self, _raw: &RawPacket) -> DecodeOutcome {
        DecodeOutcome::Skipped(SkipReason::NotIp)
    }
    pub fn anomalies(&self) -> &BTreeMap<&'static str, u64> {
        &self.anomalies
    }
    pub fn anomalies_for_file(&self, _file: usize) -> BTreeMap<&'static str, u64> {
        BTreeMap::new()
    }
}
