//! Connection tracking (placeholder while the table is written).
mod record;
pub use record::{ConnState, Connection, Proto};

use crate::decode::Packet;
use crate::net::LocalNets;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct ConnConfig {
    pub ignore_checksums: bool,
}

pub struct ConnTable {
    anomalies: BTreeMap<&'static str, u64>,
}

impl ConnTable {
    pub fn new(_config: ConnConfig, _local: LocalNets) -> ConnTable {
        ConnTable { anomalies: BTreeMap::new() }
    }
    pub fn process(&mut self, _packet: &Packet, _file: u32, _number: u64) {}
    pub fn anomalies(&self) -> &BTreeMap<&'static str, u64> {
        &self.anomalies
    }
    pub fn finish(self) -> Vec<Connection> {
        Vec::new()
    }
}
