//! Address blocks (CIDR prefixes) and the local-networks setting.
//!
//! Zeek decides `local_orig` and `local_resp` with `Site::local_nets`; wormscope does the same
//! with [`LocalNets`], whose default holds the private address space: RFC 1918 (10/8,
//! 172.16/12, 192.168/16), RFC 4193 unique local IPv6 (fc00::/7), and link-local
//! (169.254/16, fe80::/10). Inbound against outbound in every view rests on this list.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// One address block, such as `10.0.0.0/8` or `fe80::/10`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IpNet {
    /// The network address, with the host bits cleared.
    pub address: IpAddr,
    /// The prefix length in bits (0 to 32 for IPv4, 0 to 128 for IPv6).
    pub prefix_len: u8,
}

/// The reason a CIDR string was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpNetParseError {
    /// The text that failed to parse.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for IpNetParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid network '{}': {} (expected ADDRESS/PREFIX, e.g. 10.0.0.0/8)", self.input, self.reason)
    }
}

impl std::error::Error for IpNetParseError {}

impl IpNet {
    /// Returns true if and only if `address` lies inside this block. IPv4 addresses never
    /// match IPv6 blocks and the other way round.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.address, address) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = mask_u32(self.prefix_len);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = mask_u128(self.prefix_len);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

fn mask_u32(prefix_len: u8) -> u32 {
    if prefix_len == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix_len.min(32))) }
}

fn mask_u128(prefix_len: u8) -> u128 {
    if prefix_len == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix_len.min(128))) }
}

impl FromStr for IpNet {
    type Err = IpNetParseError;

    /// Parses `ADDRESS/PREFIX`; a bare address is a block of one host (/32 or /128).
    fn from_str(text: &str) -> Result<IpNet, IpNetParseError> {
        let error = |reason| IpNetParseError { input: text.to_string(), reason };
        let trimmed = text.trim();
        let (addr_text, prefix_text) = match trimmed.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (trimmed, None),
        };
        let address: IpAddr = addr_text.parse().map_err(|_| error("not an IPv4 or IPv6 address"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix_len = match prefix_text {
            Some(p) => p.parse::<u8>().map_err(|_| error("prefix length is not a number"))?,
            None => max,
        };
        if prefix_len > max {
            return Err(error("prefix length is longer than the address"));
        }

        // Clear the host bits so that equal blocks compare equal.
        let address = match address {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask_u32(prefix_len)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask_u128(prefix_len)).into()),
        };
        Ok(IpNet { address, prefix_len })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix_len)
    }
}

/// The set of blocks that count as the analyst's own network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalNets {
    /// The blocks, in the order given.
    pub nets: Vec<IpNet>,
}

/// The default local networks: private, unique-local and link-local space.
pub const DEFAULT_LOCAL_NETS: &[&str] =
    &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "fc00::/7", "fe80::/10"];

impl Default for LocalNets {
    fn default() -> LocalNets {
        LocalNets::parse_list(&DEFAULT_LOCAL_NETS.join(",")).expect("default local networks are valid")
    }
}

impl LocalNets {
    /// Parses a comma-separated list such as `10.0.0.0/8,fd00::/8`. An empty list is allowed
    /// and makes every address remote.
    pub fn parse_list(list: &str) -> Result<LocalNets, IpNetParseError> {
        let nets = list
            .split(',')
            .filter(|part| !part.trim().is_empty())
            .map(IpNet::from_str)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LocalNets { nets })
    }

    /// Returns true if and only if `address` lies in one of the blocks.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipnet_contains_v4_and_v6() {
        let net: IpNet = "172.16.0.0/12".parse().unwrap();
        assert!(net.contains("172.31.255.1".parse().unwrap()));
        assert!(!net.contains("172.32.0.1".parse().unwrap()));
        assert!(!net.contains("fe80::1".parse().unwrap()));
        let v6: IpNet = "fe80::/10".parse().unwrap();
        assert!(v6.contains("fe80::1".parse().unwrap()));
    }

    #[test]
    fn ipnet_rejects_long_prefix() {
        let err = "10.0.0.0/33".parse::<IpNet>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid network '10.0.0.0/33': prefix length is longer than the address (expected ADDRESS/PREFIX, e.g. 10.0.0.0/8)"
        );
    }

    #[test]
    fn local_nets_default_is_private_space() {
        let local = LocalNets::default();
        assert!(local.contains("192.168.1.28".parse().unwrap()));
        assert!(!local.contains("35.221.46.9".parse().unwrap()));
        assert!(local.contains("fd00::1".parse().unwrap()));
    }
}
