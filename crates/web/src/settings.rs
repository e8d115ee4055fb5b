//! The page's analysis settings and their conversion into the core's [`Config`].

use serde::Deserialize;
use wasm_bindgen::{JsError, JsValue};
use wormscope_core::net::LocalNets;
use wormscope_core::Config;

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
}

impl Settings {
    /// Reads the settings object; `undefined` and `null` give the defaults.
    pub fn from_js(value: JsValue) -> Result<Settings, JsError> {
        if value.is_undefined() || value.is_null() {
            return Ok(Settings::default());
        }
        serde_wasm_bindgen::from_value(value).map_err(|error| JsError::new(&format!("invalid settings: {error}")))
    }

    /// Builds the core configuration, or returns the message for an invalid network list.
    pub fn to_config(&self) -> Result<Config, String> {
        let mut config = Config::default();
        if let Some(list) = &self.local_nets {
            config.local_nets = LocalNets::parse_list(list).map_err(|error| format!("local networks: {error}"))?;
        }
        if let Some(ignore) = self.ignore_checksums {
            config.conn.ignore_checksums = ignore;
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
        let settings = Settings { local_nets: Some("198.51.100.0/24".into()), ignore_checksums: Some(true) };
        let config = settings.to_config().unwrap();
        assert!(config.local_nets.contains("198.51.100.7".parse().unwrap()));
        assert!(!config.local_nets.contains("10.0.0.1".parse().unwrap()));
        assert!(config.conn.ignore_checksums);
    }

    #[test]
    fn settings_invalid_net_names_it() {
        let settings = Settings { local_nets: Some("10.0.0.0/99".into()), ignore_checksums: None };
        let message = settings.to_config().unwrap_err();
        assert!(message.contains("10.0.0.0/99"), "{message}");
    }
}
