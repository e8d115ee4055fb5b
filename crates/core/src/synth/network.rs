//! The simulated campus: its address block, its hosts and their roles, and the Internet
//! addresses it talks to.
//!
//! The campus is one private /16, `10.X.0.0/16` with X drawn from the seed, so wormscope's
//! default local networks (RFC 1918 space) classify it as local without configuration. Servers
//! live in `10.X.1.0/24`; workstations fill `10.X.10.0/24` upward, 200 to a subnet. Everything
//! outside the /16 is the Internet; its addresses are drawn from public unicast /8s only.

use super::rng::SplitMix64;
use serde::Serialize;
use std::net::Ipv4Addr;

/// A campus host's part in the story.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The host the worm compromises.
    Infected,
    /// A legitimate vulnerability scanner that sweeps the campus on a schedule (decoy).
    Scanner,
    /// A busy, benign web server with fan-in from all over the Internet (decoy).
    BusyWebServer,
    /// A workstation that starts a new benign service during the capture (decoy).
    NewService,
    /// A workstation that raises one false-positive exploit alert and nothing else (decoy).
    AlertDecoy,
    /// The campus DNS resolver.
    DnsServer,
    /// The campus mail relay, which sends and receives SMTP all the time.
    MailServer,
    /// An ordinary client.
    Workstation,
}

/// One campus host.
#[derive(Clone, Debug, PartialEq)]
pub struct Host {
    /// Its IPv4 address.
    pub address: Ipv4Addr,
    /// Its Ethernet address (locally administered, derived from the address).
    pub mac: [u8; 6],
    /// Its role.
    pub role: Role,
    /// Traffic weight relative to the average workstation (0.3 to 2.0).
    pub activity: f64,
}

/// The campus network.
#[derive(Clone, Debug)]
pub struct Network {
    /// The second octet of `10.X.0.0/16`.
    pub second_octet: u8,
    /// Every campus host; servers and decoys first, then workstations.
    pub hosts: Vec<Host>,
    /// The MAC of the campus router, which every Internet-bound frame carries.
    pub router_mac: [u8; 6],
}

/// The minimum number of hosts: the fixed servers and decoys plus a few workstations.
pub const MIN_HOSTS: u32 = 20;
/// The maximum number of hosts that fit the addressing plan (200 per /24 from 10.X.10.0).
pub const MAX_HOSTS: u32 = 40_000;

impl Network {
    /// Builds a campus of `host_count` hosts (clamped by the caller to
    /// [`MIN_HOSTS`]..=[`MAX_HOSTS`]).
    pub fn new(rng: &mut SplitMix64, host_count: u32) -> Network {
        let second_octet = rng.range(16, 250) as u8;
        let mut network = Network { second_octet, hosts: Vec::new(), router_mac: [0x02, 0x00, 0x5e, 0x00, 0x00, 0x01] };

        // The servers have fixed addresses in the server subnet.
        network.add(rng, [1, 53], Role::DnsServer);
        network.add(rng, [1, 25], Role::MailServer);
        network.add(rng, [1, 80], Role::BusyWebServer);
        network.add(rng, [1, 200], Role::Scanner);

        // Workstations fill the client subnets; three of them are picked for the story.
        let workstations = host_count.saturating_sub(4);
        for index in 0..workstations {
            let subnet = 10 + index / 200;
            let last = 20 + index % 200;
            network.add(rng, [subnet as u8, last as u8], Role::Workstation);
        }
        network.assign_special(rng, Role::Infected);
        network.assign_special(rng, Role::NewService);
        network.assign_special(rng, Role::AlertDecoy);
        network
    }

    /// Returns true if and only if `address` is inside the campus /16.
    pub fn is_campus(&self, address: Ipv4Addr) -> bool {
        let octets = address.octets();
        octets[0] == 10 && octets[1] == self.second_octet
    }

    /// Returns the first host with `role`.
    pub fn host_with(&self, role: Role) -> &Host {
        // `new` places every role, so the fallback to the first host is never taken.
        self.hosts.iter().find(|host| host.role == role).unwrap_or(&self.hosts[0])
    }

    /// Returns the MAC address a frame uses for `address`: the host's own on campus, the
    /// router's for the Internet.
    pub fn mac_of(&self, address: Ipv4Addr) -> [u8; 6] {
        if self.is_campus(address) {
            host_mac(address)
        } else {
            self.router_mac
        }
    }

    /// Returns the hosts that behave as workstations (including the story's three).
    pub fn clients(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|host| {
            matches!(host.role, Role::Workstation | Role::Infected | Role::NewService | Role::AlertDecoy)
        })
    }

    fn add(&mut self, rng: &mut SplitMix64, low: [u8; 2], role: Role) {
        let address = Ipv4Addr::new(10, self.second_octet, low[0], low[1]);
        let activity = 0.3 + 1.7 * rng.unit();
        self.hosts.push(Host { address, mac: host_mac(address), role, activity });
    }

    fn assign_special(&mut self, rng: &mut SplitMix64, role: Role) {
        // Pick a plain workstation; the network always has more than three of them.
        loop {
            let index = rng.below(self.hosts.len() as u64) as usize;
            if self.hosts[index].role == Role::Workstation {
                self.hosts[index].role = role;
                self.hosts[index].activity = self.hosts[index].activity.max(0.8);
                return;
            }
        }
    }
}

/// Derives a locally administered unicast MAC from an IPv4 address.
fn host_mac(address: Ipv4Addr) -> [u8; 6] {
    let o = address.octets();
    [0x02, 0x1c, o[0], o[1], o[2], o[3]]
}

/// First octets of public unicast /8s that the generator draws Internet addresses from. Private,
/// loopback, shared (100/8), multicast and reserved blocks are left out.
const PUBLIC_FIRST_OCTETS: [u8; 60] = [
    2, 5, 8, 12, 13, 17, 18, 20, 23, 24, 31, 34, 35, 37, 40, 41, 45, 46, 50, 52, 54, 58, 59, 61, 62, 64, 66, 68, 69,
    71, 73, 74, 77, 78, 80, 81, 82, 85, 88, 91, 93, 95, 98, 103, 104, 109, 114, 116, 118, 122, 123, 125, 128, 131, 137,
    141, 151, 176, 185, 195,
];

/// Returns a source port for an Internet client or resolver: Linux's default ephemeral range,
/// 32768 to 60999, which stays clear of the registered ports that dissectors guess protocols
/// from (X11's 6000-6063, for one).
pub fn client_port(rng: &mut SplitMix64) -> u16 {
    rng.range(32_768, 60_999) as u16
}

/// Returns a random public Internet address.
pub fn internet_address(rng: &mut SplitMix64) -> Ipv4Addr {
    let first = *rng.pick(&PUBLIC_FIRST_OCTETS).unwrap_or(&8);
    Ipv4Addr::new(first, rng.range(0, 255) as u8, rng.range(0, 255) as u8, rng.range(1, 254) as u8)
}

/// Returns a random public address inside one of the first `limit` /8s of the list, so that a
/// population drawn this way covers few /8s.
pub fn internet_address_in_few(rng: &mut SplitMix64, limit: usize) -> Ipv4Addr {
    let first = PUBLIC_FIRST_OCTETS[rng.below(limit.min(PUBLIC_FIRST_OCTETS.len()) as u64) as usize];
    Ipv4Addr::new(first, rng.range(0, 255) as u8, rng.range(0, 255) as u8, rng.range(1, 254) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_has_every_role_once() {
        let network = Network::new(&mut SplitMix64::new(5), 50);
        assert_eq!(network.hosts.len(), 50);
        for role in [Role::Infected, Role::Scanner, Role::BusyWebServer, Role::NewService, Role::AlertDecoy] {
            assert_eq!(network.hosts.iter().filter(|host| host.role == role).count(), 1, "{role:?}");
        }
    }

    #[test]
    fn internet_addresses_are_not_campus() {
        let network = Network::new(&mut SplitMix64::new(5), 50);
        let mut rng = SplitMix64::new(9);
        for _ in 0..1000 {
            let address = internet_address(&mut rng);
            assert!(!network.is_campus(address));
            assert!(!address.is_private(), "{address} is private");
            assert!(!address.is_loopback(), "{address} is loopback");
            assert!(!address.is_multicast(), "{address} is multicast");
        }
    }
}
