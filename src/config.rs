//! Settings: read from a TOML file, then overridden by `ROUNDS_<SETTING>` environment variables,
//! then validated. A bad setting is a [`ConfigError`] that names the setting; nothing is written
//! to disk before the whole configuration is valid.

use std::{collections::HashMap, net::SocketAddr, path::Path, time::Duration};

use serde::Deserialize;

/// The validated settings of one Rounds instance.
#[derive(Clone, Debug)]
pub struct Config {
    /// Public host, with an optional `:port`. Ids are `https://DOMAIN/...`
    /// (`http://` when `insecure_federation` is on).
    pub domain: String,
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`.
    pub database_url: String,
    /// Allow http ids, explicit ports and loopback peers. For local testing only.
    pub insecure_federation: bool,
    /// Delay before the first retry of a failed delivery; later retries back off from it.
    pub delivery_first_retry: Duration,
    /// Requests in flight to one instance at once (1 keeps its activities strictly in order).
    pub delivery_instance_concurrency: usize,
    /// Instances one process delivers to at once.
    pub delivery_max_instances: usize,
    /// How long a worker's claim on an instance lasts without renewal (another process takes
    /// the instance over when a killed one's claims run out).
    pub delivery_lease: Duration,
    /// How long shutdown waits for deliveries in flight.
    pub delivery_shutdown_grace: Duration,
    /// How long the record of a finished delivery is kept (where an activity reached).
    pub delivery_record_retention: Duration,
    /// Bearer token that `/metrics` requires; `/metrics` answers 404 without one.
    pub metrics_token: Option<String>,
    /// Inbound activities a minute accepted from one remote actor (0: no limit).
    pub inbound_per_actor_per_minute: u32,
    /// Inbound activities a minute accepted from one remote instance (0: no limit).
    pub inbound_per_instance_per_minute: u32,
}

/// A setting that could not be used; `Display` is the one-line message shown to the operator.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting `{setting}`: {reason}")]
pub struct ConfigError {
    pub setting: String,
    pub reason: String,
}

fn invalid(setting: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_string(),
        reason: reason.into(),
    }
}

/// The settings as they appear in the TOML file, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    domain: Option<String>,
    bind: Option<String>,
    database_url: Option<String>,
    insecure_federation: Option<bool>,
    delivery_first_retry_seconds: Option<u64>,
    delivery_instance_concurrency: Option<u64>,
    delivery_max_instances: Option<u64>,
    delivery_lease_seconds: Option<u64>,
    delivery_shutdown_grace_seconds: Option<u64>,
    delivery_record_days: Option<u64>,
    metrics_token: Option<String>,
    inbound_per_actor_per_minute: Option<u64>,
    inbound_per_instance_per_minute: Option<u64>,
}

const SETTINGS: [&str; 13] = [
    "domain",
    "bind",
    "database_url",
    "insecure_federation",
    "delivery_first_retry_seconds",
    "delivery_instance_concurrency",
    "delivery_max_instances",
    "delivery_lease_seconds",
    "delivery_shutdown_grace_seconds",
    "delivery_record_days",
    "metrics_token",
    "inbound_per_actor_per_minute",
    "inbound_per_instance_per_minute",
];

impl Config {
    /// Loads the configuration: `path` if given (it must exist), else `rounds.toml` in the working
    /// directory if present; then the process environment.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let file_text = match path {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|err| {
                invalid("config", format!("cannot read {}: {err}", path.display()))
            })?),
            None => std::fs::read_to_string("rounds.toml").ok(),
        };
        Config::from_sources(file_text.as_deref(), &env)
    }

    /// Builds a configuration from the text of a TOML file and a set of environment variables.
    pub fn from_sources(
        file_text: Option<&str>,
        env: &HashMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let mut raw: RawSettings = match file_text {
            Some(text) => toml::from_str(text).map_err(|err| {
                let message = err.message().to_string();
                // An unknown key is named by itself; a bad value by the key on its line, which
                // the full (multi-line) rendering of the error quotes.
                let unknown = message
                    .strip_prefix("unknown field `")
                    .and_then(|rest| rest.split('`').next())
                    .map(str::to_string);
                let full = err.to_string();
                let setting = unknown.unwrap_or_else(|| {
                    SETTINGS
                        .iter()
                        .find(|name| full.contains(*name))
                        .map_or("config", |name| *name)
                        .to_string()
                });
                invalid(&setting, message)
            })?,
            None => RawSettings::default(),
        };
        for name in SETTINGS {
            let Some(value) = env.get(&format!("ROUNDS_{}", name.to_uppercase())) else {
                continue;
            };
            match name {
                "domain" => raw.domain = Some(value.clone()),
                "bind" => raw.bind = Some(value.clone()),
                "database_url" => raw.database_url = Some(value.clone()),
                "insecure_federation" => {
                    raw.insecure_federation = Some(parse_bool(value).ok_or_else(|| {
                        invalid(name, format!("expected true or false, got {value:?}"))
                    })?)
                }
                "metrics_token" => raw.metrics_token = Some(value.clone()),
                _ => {
                    let number = Some(value.parse().map_err(|_| {
                        invalid(name, format!("expected a whole number, got {value:?}"))
                    })?);
                    match name {
                        "delivery_instance_concurrency" => {
                            raw.delivery_instance_concurrency = number
                        }
                        "delivery_lease_seconds" => raw.delivery_lease_seconds = number,
                        "delivery_max_instances" => raw.delivery_max_instances = number,
                        "delivery_shutdown_grace_seconds" => {
                            raw.delivery_shutdown_grace_seconds = number
                        }
                        "delivery_record_days" => raw.delivery_record_days = number,
                        "inbound_per_actor_per_minute" => raw.inbound_per_actor_per_minute = number,
                        "inbound_per_instance_per_minute" => {
                            raw.inbound_per_instance_per_minute = number
                        }
                        _ => raw.delivery_first_retry_seconds = number,
                    }
                }
            }
        }
        raw.validate()
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

impl RawSettings {
    fn validate(self) -> Result<Config, ConfigError> {
        // With no domain at all, the first run is a local trial: localhost:8080, insecure.
        let insecure_federation = self.insecure_federation.unwrap_or(self.domain.is_none());
        let domain = self
            .domain
            .unwrap_or_else(|| "localhost:8080".to_string())
            .to_ascii_lowercase();
        validate_domain(&domain)?;
        let bind_text = self.bind.unwrap_or_else(|| "127.0.0.1:8080".to_string());
        let bind = bind_text.parse().map_err(|_| {
            invalid(
                "bind",
                format!("expected an address like 127.0.0.1:8080, got {bind_text:?}"),
            )
        })?;
        let database_url = self
            .database_url
            .unwrap_or_else(|| "sqlite://data/rounds.db".to_string());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database_url",
                "expected sqlite://PATH or postgres://USER@HOST/DB",
            ));
        }
        let in_range = |setting: &str, value: Option<u64>, default: u64, low: u64, high: u64| {
            let value = value.unwrap_or(default);
            if value < low || value > high {
                return Err(invalid(
                    setting,
                    format!("expected between {low} and {high}"),
                ));
            }
            Ok(value)
        };
        let first_retry = in_range(
            "delivery_first_retry_seconds",
            self.delivery_first_retry_seconds,
            10,
            1,
            3600,
        )?;
        let concurrency = in_range(
            "delivery_instance_concurrency",
            self.delivery_instance_concurrency,
            1,
            1,
            64,
        )?;
        let max_instances = in_range(
            "delivery_max_instances",
            self.delivery_max_instances,
            256,
            1,
            10_000,
        )?;
        let lease = in_range(
            "delivery_lease_seconds",
            self.delivery_lease_seconds,
            30,
            3,
            3600,
        )?;
        let grace = in_range(
            "delivery_shutdown_grace_seconds",
            self.delivery_shutdown_grace_seconds,
            15,
            0,
            600,
        )?;
        let record_days = in_range(
            "delivery_record_days",
            self.delivery_record_days,
            30,
            1,
            3650,
        )?;
        let per_actor = in_range(
            "inbound_per_actor_per_minute",
            self.inbound_per_actor_per_minute,
            300,
            0,
            1_000_000,
        )?;
        let per_instance = in_range(
            "inbound_per_instance_per_minute",
            self.inbound_per_instance_per_minute,
            3_000,
            0,
            10_000_000,
        )?;
        let metrics_token = self.metrics_token.filter(|token| !token.is_empty());
        if metrics_token.as_ref().is_some_and(|token| token.len() < 16) {
            return Err(invalid("metrics_token", "expected at least 16 characters"));
        }
        Ok(Config {
            domain,
            bind,
            database_url,
            insecure_federation,
            delivery_first_retry: Duration::from_secs(first_retry),
            delivery_instance_concurrency: usize::try_from(concurrency).unwrap_or(1),
            delivery_max_instances: usize::try_from(max_instances).unwrap_or(256),
            delivery_lease: Duration::from_secs(lease),
            delivery_shutdown_grace: Duration::from_secs(grace),
            delivery_record_retention: Duration::from_secs(record_days * 24 * 3600),
            metrics_token,
            inbound_per_actor_per_minute: u32::try_from(per_actor).unwrap_or(u32::MAX),
            inbound_per_instance_per_minute: u32::try_from(per_instance).unwrap_or(u32::MAX),
        })
    }
}

/// A domain is a DNS name with an optional port: no scheme, path, user or IP literal.
fn validate_domain(domain: &str) -> Result<(), ConfigError> {
    let bad = |reason: &str| invalid("domain", format!("{reason}, got {domain:?}"));
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    if let Some(port) = port {
        if port.parse::<u16>().map_or(true, |port| port == 0) {
            return Err(bad("the port must be a number from 1 to 65535"));
        }
    }
    if host.is_empty()
        || host.len() > 253
        || host.starts_with('.')
        || host.ends_with('.')
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(bad(
            "expected a host name like example.org or localhost:8080",
        ));
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(bad("an IP address cannot be a fediverse domain"));
    }
    Ok(())
}

impl Config {
    /// `https` normally, `http` when insecure federation is on.
    pub fn scheme(&self) -> &'static str {
        if self.insecure_federation {
            "http"
        } else {
            "https"
        }
    }

    /// The public base URL, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.domain)
    }

    /// The filesystem path of an SQLite database URL, if this is one.
    pub fn sqlite_path(&self) -> Option<&str> {
        let rest = self.database_url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        Some(rest.split('?').next().unwrap_or(rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn no_settings_is_a_local_insecure_trial() {
        let config = Config::from_sources(None, &env(&[])).unwrap();
        assert_eq!(config.domain, "localhost:8080");
        assert!(config.insecure_federation);
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.sqlite_path(), Some("data/rounds.db"));
        assert_eq!(config.base_url(), "http://localhost:8080");
    }

    #[test]
    fn a_domain_alone_means_secure_federation() {
        let config = Config::from_sources(Some("domain = \"spm.example\""), &env(&[])).unwrap();
        assert!(!config.insecure_federation);
        assert_eq!(config.base_url(), "https://spm.example");
    }

    #[test]
    fn environment_overrides_the_file() {
        let file = "domain = \"a.example\"\nbind = \"127.0.0.1:9000\"";
        let config = Config::from_sources(
            Some(file),
            &env(&[
                ("ROUNDS_DOMAIN", "b.example:8443"),
                ("ROUNDS_INSECURE_FEDERATION", "true"),
                ("ROUNDS_DATABASE_URL", "postgres://postgres@127.0.0.1/test"),
            ]),
        )
        .unwrap();
        assert_eq!(config.domain, "b.example:8443");
        assert_eq!(config.bind.port(), 9000);
        assert!(config.insecure_federation);
        assert_eq!(config.sqlite_path(), None);
    }

    #[test]
    fn bad_settings_name_the_setting() {
        type Case<'a> = (Option<&'a str>, &'a [(&'a str, &'a str)], &'a str);
        let cases: [Case; 11] = [
            (
                None,
                &[("ROUNDS_DELIVERY_LEASE_SECONDS", "1")],
                "delivery_lease_seconds",
            ),
            (
                Some("delivery_instance_concurrency = 0"),
                &[],
                "delivery_instance_concurrency",
            ),
            (None, &[("ROUNDS_METRICS_TOKEN", "short")], "metrics_token"),
            (Some("domain = \"https://x.org\""), &[], "domain"),
            (None, &[("ROUNDS_DOMAIN", "127.0.0.1")], "domain"),
            (None, &[("ROUNDS_DOMAIN", "x.org:99999")], "domain"),
            (None, &[("ROUNDS_BIND", "localhost")], "bind"),
            (
                None,
                &[("ROUNDS_DATABASE_URL", "mysql://x")],
                "database_url",
            ),
            (
                None,
                &[("ROUNDS_INSECURE_FEDERATION", "maybe")],
                "insecure_federation",
            ),
            (Some("colour = \"blue\""), &[], "colour"),
            (
                Some("insecure_federation = \"maybe\""),
                &[],
                "insecure_federation",
            ),
        ];
        for (file, vars, setting) in cases {
            let err = Config::from_sources(file, &env(vars)).unwrap_err();
            assert_eq!(err.setting, setting, "{err}");
            assert!(!err.to_string().contains('\n'), "one line: {err}");
        }
    }
}
