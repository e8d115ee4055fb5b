//! The page's analysis settings and their conversion into the core's [`Config`].

use serde::Deserialize;
use wasm_bindgen::{JsError, JsValue};
use wormscope_core::logs::datetime::parse_zone;
use wormscope_core::net::LocalNets;
use wormscope_core::Config;

/// The years the page accepts for year-less syslog lines, as the CLI's `--year` does.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=2200;

/// Settings as the page sends them; a missing key keeps the core's default.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Settings {
    /// Comma-separated CIDR blocks for `local_orig` / `local_resp`; an empty string means no
    /// address is local.
    #[serde(default)]
    pub local_nets: Option<String>,
    /// When true, packets with bad IP/TCP/UDP checksums are tracked anyway (capture on a host
    /// with checksum offload).
    #[serde(default)]
    pub ignore_checksums: Option<bool>,
    /// The year of year-less syslog lines; when absent the core takes it from the captures
    /// read before the log, else from the file's last-modified time.
    #[serde(default)]
    pub year: Option<i32>,
    /// The zone of log times written without one, as the CLI's `--tz` takes it (`UTC`,
    /// `+02:00`, `-0500`); an empty string or absent key means UTC.
    #[serde(default)]
    pub tz: Option<String>,
}

impl Settings {
    /// Reads the settings object; `undefined` and `null` give the defaults.
    pub fn from_js(value: JsValue) -> Result<Settings, JsError> {
        if value.is_undefined() || value.is_null() {
            return Ok(Settings::default());
        }
        serde_wasm_bindgen::from_value(value).map_err(|error| JsError::new(&format!("invalid settings: {error}")))
    }

    /// Builds the core configuration, or returns the message for an invalid network list,
    /// year or zone.
    pub fn to_config(&self) -> Result<Config, String> {
        let mut config = Config::default();
        if let Some(list) = &self.local_nets {
            config.local_nets = LocalNets::parse_list(list).map_err(|error| format!("local networks: {error}"))?;
        }
        if let Some(ignore) = self.ignore_checksums {
            config.conn.ignore_checksums = ignore;
        }
        if let Some(year) = self.year {
            if !YEARS.contains(&year) {
                return Err(format!("year {year} is invalid: expected a year from 1970 to 2200"));
            }
            config.log_year = Some(year);
        }
        if let Some(zone) = self.tz.as_deref().filter(|zone| !zone.trim().is_empty()) {
            config.log_tz_offset_secs = Some(parse_zone(zone)?);
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn settings_default_keeps_private_nets() {
        let config = Settings::default().to_config().unwrap();
        let private: IpAddr = "192.168.1.1".parse().unwrap();
        assert!(config.local_nets.contains(private));
        assert!(!config.conn.ignore_checksums);
    }

    #[test]
    fn settings_list_replaces_nets() {
        let settings = Settings {
            local_nets: Some("198.51.100.0/24".into()),
            ignore_checksums: Some(true),
            ..Settings::default()
        };
        let config = settings.to_config().unwrap();
        assert!(config.local_nets.contains("198.51.100.7".parse().unwrap()));
        assert!(!config.local_nets.contains("10.0.0.1".parse().unwrap()));
        assert!(config.conn.ignore_checksums);
    }

    #[test]
    fn settings_invalid_net_names_it() {
        let settings = Settings { local_nets: Some("10.0.0.0/99".into()), ..Settings::default() };
        let message = settings.to_config().unwrap_err();
        assert!(message.contains("10.0.0.0/99"), "{message}");
    }

    #[test]
    fn settings_year_and_zone_reach_config() {
        let settings = Settings { year: Some(2019), tz: Some("-05:00".into()), ..Settings::default() };
        let config = settings.to_config().unwrap();
        assert_eq!(config.log_year, Some(2019));
        assert_eq!(config.log_tz_offset_secs, Some(-18_000));
        let blank = Settings { tz: Some(" ".into()), ..Settings::default() }.to_config().unwrap();
        assert_eq!(blank.log_tz_offset_secs, None);
    }

    #[test]
    fn settings_invalid_year_and_zone_rejected() {
        let early = Settings { year: Some(1969), ..Settings::default() };
        assert!(early.to_config().unwrap_err().contains("1969"));
        let named = Settings { tz: Some("Europe/Paris".into()), ..Settings::default() };
        assert!(named.to_config().unwrap_err().contains("Europe/Paris"));
    }
}
