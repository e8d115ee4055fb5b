//! The parameters, the timeline and the shared cast of one generated scenario.
//!
//! Everything is derived from the seed and the options; nothing reads a clock. The capture
//! starts on a Monday at 00:00 UTC, `k` weeks after 2026-03-02 with `k` in 0..40 drawn from
//! the seed, and lasts `days` whole days.

use super::network::{internet_address, internet_address_in_few, Network};
use super::rng::SplitMix64;
use super::traffic::SECOND;
use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

/// Microseconds per minute, hour and day.
pub const MINUTE: u64 = 60 * SECOND;
pub const HOUR: u64 = 60 * MINUTE;
pub const DAY: u64 = 24 * HOUR;
/// 2026-03-02 00:00:00 UTC, a Monday.
const BASE_MONDAY: u64 = 1_772_409_600;

/// The generator's options.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// The seed; the same seed and options give byte-identical files.
    pub seed: u64,
    /// Campus hosts (default 300, 20 to 40,000).
    pub hosts: u32,
    /// Capture length in days (default 8, 4 to 60).
    pub days: u32,
    /// Traffic volume factor (default 1.0, 0.01 to 4.0): scales background rates and the
    /// outbreak's counts, with floors that keep every part of the story detectable.
    pub scale: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params { seed: 1, hosts: 300, days: 8, scale: 1.0 }
    }
}

/// The reason a parameter set was rejected.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamError {
    /// The option name.
    pub option: &'static str,
    /// The rule the value breaks.
    pub reason: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid --{}: {}", self.option, self.reason)
    }
}

impl std::error::Error for ParamError {}

impl Params {
    /// Checks every option against its documented range.
    pub fn validate(&self) -> Result<(), ParamError> {
        if !(super::network::MIN_HOSTS..=super::network::MAX_HOSTS).contains(&self.hosts) {
            let reason = format!("{} is outside 20..=40000", self.hosts);
            return Err(ParamError { option: "hosts", reason });
        }
        if !(4..=60).contains(&self.days) {
            let reason = format!("{} is outside 4..=60 (the story needs a learning day and three more)", self.days);
            return Err(ParamError { option: "days", reason });
        }
        if !(0.01..=4.0).contains(&self.scale) || self.scale.is_nan() {
            return Err(ParamError { option: "scale", reason: format!("{} is outside 0.01..=4.0", self.scale) });
        }
        Ok(())
    }
}

/// The story's moments, in microseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// Capture start (a Monday, 00:00 UTC).
    pub start: u64,
    /// Capture end (`start + days`).
    pub end: u64,
    /// End of the learning window: midnight before the exploit.
    pub learning_end: u64,
    /// The exploit alert.
    pub exploit: u64,
    /// The infection check (geolocation lookup).
    pub infection_check: u64,
    /// The first trojan keep-alive.
    pub first_keepalive: u64,
    /// The new service's first inbound connection.
    pub service_open: u64,
    /// The first scan attempt.
    pub scan_start: u64,
    /// The first spam attempt.
    pub spam_start: u64,
    /// The infected host is switched off.
    pub switch_off: u64,
}

impl Timeline {
    /// Draws the timeline: the exploit falls on the last weekday that leaves three days after
    /// it, between 09:00 and 16:00; the switch-off comes 44 to 50 hours after the exploit.
    pub fn draw(rng: &mut SplitMix64, days: u32) -> Timeline {
        let start = (BASE_MONDAY + 7 * 86_400 * rng.below(40)) * SECOND;
        let end = start + u64::from(days) * DAY;

        // Days are numbered from the Monday start, so day % 7 >= 5 is a weekend.
        let mut exploit_day = u64::from(days) - 3;
        while exploit_day % 7 >= 5 && exploit_day > 1 {
            exploit_day -= 1;
        }
        let learning_end = start + exploit_day * DAY;
        let exploit = learning_end + 9 * HOUR + rng.below(7 * HOUR);
        let infection_check = exploit + 2 * MINUTE + rng.below(4 * MINUTE);
        let first_keepalive = infection_check + 4 * MINUTE + rng.below(4 * MINUTE);
        let service_open = exploit + 15 * MINUTE + rng.below(25 * MINUTE);
        let scan_start = exploit + 50 * MINUTE + rng.below(20 * MINUTE);
        let spam_start = scan_start + 5 * MINUTE + rng.below(15 * MINUTE);
        let switch_off = exploit + 44 * HOUR + rng.below(6 * HOUR);
        Timeline {
            start,
            end,
            learning_end,
            exploit,
            infection_check,
            first_keepalive,
            service_open,
            scan_start,
            spam_start,
            switch_off,
        }
    }

    /// Returns true if and only if `time` falls on a Saturday or Sunday.
    pub fn is_weekend(&self, time: u64) -> bool {
        (time.saturating_sub(self.start) / DAY) % 7 >= 5
    }
}

/// A named Internet server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// Its address.
    pub address: Ipv4Addr,
    /// Its DNS name.
    pub name: String,
}

/// Everything the background and the story share.
pub struct Scenario {
    /// The options.
    pub params: Params,
    /// The campus.
    pub network: Network,
    /// The story's moments.
    pub timeline: Timeline,
    /// Web sites that workstations visit, concentrated in 8 /8s as content networks are.
    pub web_sites: Vec<Site>,
    /// Mail exchangers that the mail relay talks to.
    pub mail_peers: Vec<Site>,
    /// Authoritative name servers that the resolver forwards to.
    pub name_servers: Vec<Ipv4Addr>,
    /// The next ephemeral port of each campus client (49152..65535, as Windows and IANA use).
    ephemeral: BTreeMap<Ipv4Addr, u16>,
}

impl Scenario {
    /// Draws the network, the timeline and the Internet cast.
    pub fn new(params: Params) -> Scenario {
        let mut rng = SplitMix64::stream(params.seed, "scenario");
        let network = Network::new(&mut rng, params.hosts);
        let timeline = Timeline::draw(&mut rng, params.days);
        let web_sites = (0..120)
            .map(|index| Site {
                address: internet_address_in_few(&mut rng, 8),
                name: format!("www.site{index}.example.com"),
            })
            .collect();
        let mail_peers = (0..60)
            .map(|index| Site { address: internet_address(&mut rng), name: format!("mx{index}.mail.example.net") })
            .collect();
        let name_servers = (0..12).map(|_| internet_address_in_few(&mut rng, 10)).collect();
        Scenario { params, network, timeline, web_sites, mail_peers, name_servers, ephemeral: BTreeMap::new() }
    }

    /// Returns the next ephemeral port for `client`.
    pub fn ephemeral_port(&mut self, client: Ipv4Addr) -> u16 {
        let seed = self.params.seed;
        let next = self.ephemeral.entry(client).or_insert_with(|| {
            let mut rng = SplitMix64::stream(seed ^ u64::from(u32::from(client)), "ephemeral");
            rng.range(49_152, 65_000) as u16
        });
        let port = *next;
        *next = if port == u16::MAX { 49_152 } else { port + 1 };
        port
    }

    /// Scales a count by `--scale` and keeps at least `floor`.
    pub fn scaled(&self, count: f64, floor: f64) -> f64 {
        (count * self.params.scale).max(floor)
    }
}
