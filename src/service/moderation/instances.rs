//! Instance policies: per instance (a host, or host:port), **suspend** (refuse everything it
//! sends, send it nothing, fetch nothing from it) or **limit** (hold all its replies for review);
//! and the server-wide **allowlist mode**, in which only instances marked **allow** federate.
//! Checked for every inbound activity (`federation::inbox`), every fetch (activitypub_federation's
//! `UrlVerifier`) and every delivery (`delivery::instance`). Blocklists import and export in
//! Mastodon's CSV format.
//!
//! The policies are read from the database into a cache, reloaded after each change in this
//! process and at least every [`RELOAD`] (other processes sharing a PostgreSQL database).

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use activitypub_federation::config::UrlVerifier;
use tokio::sync::RwLock;
use url::Url;

use super::{audit, Moderator};
use crate::{
    db::{moderation::InstancePolicyRow, Db},
    error::{Error, FieldError, Result},
    model::actor::instance_of,
    state::AppState,
};

/// How stale the cache may be.
pub const RELOAD: Duration = Duration::from_secs(30);

/// The setting that holds the federation mode.
const MODE_SETTING: &str = "federation_mode";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Suspend,
    Limit,
    Allow,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Suspend => "suspend",
            Policy::Limit => "limit",
            Policy::Allow => "allow",
        }
    }

    pub fn parse(text: &str) -> Option<Policy> {
        [Policy::Suspend, Policy::Limit, Policy::Allow]
            .into_iter()
            .find(|policy| policy.as_str() == text)
    }
}

/// The policies in force.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    pub allowlist: bool,
    entries: Arc<HashMap<String, Policy>>,
}

impl PolicySet {
    /// The policy of an instance: its own entry (host:port), else its host's, else the nearest
    /// parent domain's (a block of `example.org` covers `social.example.org`, as on Mastodon).
    pub fn policy_for(&self, instance: &str) -> Option<Policy> {
        let instance = instance.to_ascii_lowercase();
        if let Some(policy) = self.entries.get(&instance) {
            return Some(*policy);
        }
        let host = instance
            .rsplit_once(':')
            .map_or(instance.as_str(), |(host, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    host
                } else {
                    instance.as_str()
                }
            });
        let mut domain = host;
        loop {
            if let Some(policy) = self.entries.get(domain) {
                return Some(*policy);
            }
            match domain.split_once('.') {
                Some((_, parent)) if parent.contains('.') => domain = parent,
                _ => return None,
            }
        }
    }

    /// Nothing is taken from, sent to or fetched from this instance.
    pub fn refuses(&self, instance: &str) -> bool {
        match self.policy_for(instance) {
            Some(Policy::Suspend) => true,
            Some(Policy::Allow) => false,
            Some(Policy::Limit) | None => self.allowlist,
        }
    }

    /// Every reply from this instance is held for review.
    pub fn limits(&self, instance: &str) -> bool {
        self.policy_for(instance) == Some(Policy::Limit)
    }
}

/// The cache of the policies in force (in `AppState`).
#[derive(Default)]
pub struct InstancePolicies {
    cached: RwLock<Option<(Instant, PolicySet)>>,
}

impl InstancePolicies {
    /// The policies, reloaded when older than [`RELOAD`]. If the database cannot be read, the
    /// last known policies stay in force.
    pub async fn current(&self, db: &Db) -> PolicySet {
        if let Some((loaded, set)) = self.cached.read().await.as_ref() {
            if loaded.elapsed() < RELOAD {
                return set.clone();
            }
        }
        let mut cached = self.cached.write().await;
        match load(db).await {
            Ok(set) => {
                *cached = Some((Instant::now(), set.clone()));
                set
            }
            Err(err) => {
                tracing::error!(error = %err, "instance policies could not be read");
                cached
                    .as_ref()
                    .map(|(_, set)| set.clone())
                    .unwrap_or_default()
            }
        }
    }

    /// Forgets the cache (after a change).
    pub async fn invalidate(&self) {
        *self.cached.write().await = None;
    }
}

async fn load(db: &Db) -> Result<PolicySet, sqlx::Error> {
    let entries = db
        .instance_policies()
        .await?
        .into_iter()
        .filter_map(|row| {
            Some((
                row.instance.to_ascii_lowercase(),
                Policy::parse(&row.policy)?,
            ))
        })
        .collect();
    let allowlist = db.moderation_setting(MODE_SETTING).await?.as_deref() == Some("allowlist");
    Ok(PolicySet {
        allowlist,
        entries: Arc::new(entries),
    })
}

/// 403 when `url`'s instance is refused by policy.
pub async fn check_url(state: &AppState, url: &Url) -> Result<()> {
    let Some(instance) = instance_of(url) else {
        return Ok(());
    };
    if state
        .instance_policies
        .current(&state.db)
        .await
        .refuses(&instance)
    {
        return Err(Error::Forbidden(
            "this instance does not federate with us".into(),
        ));
    }
    Ok(())
}

/// activitypub_federation's hook for every fetch and received activity.
#[derive(Clone)]
pub struct PolicyVerifier(pub AppState);

#[async_trait::async_trait]
impl UrlVerifier for PolicyVerifier {
    async fn verify(&self, url: &Url) -> Result<(), activitypub_federation::error::Error> {
        check_url(&self.0, url).await.map_err(|_| {
            activitypub_federation::error::Error::UrlVerificationError("instance blocked by policy")
        })
    }
}

/// A valid instance name: a host (letters, digits, dots, hyphens) with an optional port.
fn instance_name(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text.as_str(), None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with(['.', '-']);
    let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok());
    (host_ok && port_ok).then_some(text)
}

/// Sets an instance's policy (with a reason), logged.
pub async fn set_policy(
    state: &AppState,
    moderator: &Moderator,
    instance: &str,
    policy: Policy,
    reason: &str,
) -> Result<String> {
    let instance = instance_name(instance).ok_or_else(|| {
        Error::Invalid(vec![FieldError::new(
            "instance",
            "must be a host name, with an optional :port",
        )])
    })?;
    if instance == state.config.domain.to_ascii_lowercase() {
        return Err(Error::Unprocessable(
            "this server's own domain cannot have a policy".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    Db::set_instance_policy(&mut tx, &instance, policy.as_str(), reason, moderator.0.id).await?;
    audit::record(
        &mut tx,
        moderator,
        policy.as_str(),
        &instance,
        None,
        reason,
        None,
    )
    .await?;
    tx.commit().await?;
    state.instance_policies.invalidate().await;
    Ok(instance)
}

/// Clears an instance's policy, logged; 404 if it had none.
pub async fn clear_policy(
    state: &AppState,
    moderator: &Moderator,
    instance: &str,
    reason: &str,
) -> Result<()> {
    let instance = instance_name(instance).ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    if !Db::remove_instance_policy(&mut tx, &instance).await? {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        moderator,
        "clear instance policy",
        &instance,
        None,
        reason,
        None,
    )
    .await?;
    tx.commit().await?;
    state.instance_policies.invalidate().await;
    Ok(())
}

/// Turns allowlist mode on or off, logged.
pub async fn set_allowlist_mode(
    state: &AppState,
    moderator: &Moderator,
    on: bool,
    reason: &str,
) -> Result<()> {
    let mut tx = state.db.begin().await?;
    Db::set_moderation_setting(&mut tx, MODE_SETTING, if on { "allowlist" } else { "open" })
        .await?;
    let action = if on {
        "allowlist mode on"
    } else {
        "allowlist mode off"
    };
    audit::record(&mut tx, moderator, action, "federation", None, reason, None).await?;
    tx.commit().await?;
    state.instance_policies.invalidate().await;
    Ok(())
}

pub async fn list(state: &AppState) -> Result<(bool, Vec<InstancePolicyRow>)> {
    let set = state.instance_policies.current(&state.db).await;
    Ok((set.allowlist, state.db.instance_policies().await?))
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub suspended: usize,
    pub limited: usize,
    pub skipped: usize,
}

/// Imports a blocklist in Mastodon's CSV format (`#domain,#severity,...`; also a bare list of
/// domains): `suspend` suspends, `silence` limits, `noop` and unreadable lines are skipped.
pub async fn import_csv(state: &AppState, moderator: &Moderator, csv: &str) -> Result<Imported> {
    let mut imported = Imported::default();
    let mut lines: Vec<&str> = csv
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let mut columns = (0usize, Some(1usize), None::<usize>);
    if let Some(header) = lines.first().copied() {
        if header.starts_with('#') || header.to_ascii_lowercase().starts_with("domain") {
            let names: Vec<String> = header
                .split(',')
                .map(|name| name.trim().trim_start_matches('#').to_ascii_lowercase())
                .collect();
            let find = |wanted: &str| names.iter().position(|name| name == wanted);
            columns = (
                find("domain").unwrap_or(0),
                find("severity"),
                find("public_comment"),
            );
            lines.remove(0);
        }
    }
    let mut tx = state.db.begin().await?;
    for line in lines {
        let fields = split_csv_line(line);
        let Some(instance) = fields
            .get(columns.0)
            .and_then(|domain| instance_name(domain))
        else {
            imported.skipped += 1;
            continue;
        };
        let severity = columns
            .1
            .and_then(|i| fields.get(i))
            .map_or("suspend", |s| s.trim());
        let policy = match severity {
            "suspend" | "" => Policy::Suspend,
            "silence" | "limit" => Policy::Limit,
            _ => {
                imported.skipped += 1;
                continue;
            }
        };
        let comment = columns
            .2
            .and_then(|i| fields.get(i))
            .map_or("", |c| c.trim());
        let reason = if comment.is_empty() {
            "imported blocklist"
        } else {
            comment
        };
        Db::set_instance_policy(&mut tx, &instance, policy.as_str(), reason, moderator.0.id)
            .await?;
        match policy {
            Policy::Suspend => imported.suspended += 1,
            _ => imported.limited += 1,
        }
    }
    let summary = format!(
        "{} suspended, {} limited, {} skipped",
        imported.suspended, imported.limited, imported.skipped
    );
    audit::record(
        &mut tx,
        moderator,
        "import blocklist",
        "federation",
        None,
        &summary,
        None,
    )
    .await?;
    tx.commit().await?;
    state.instance_policies.invalidate().await;
    Ok(imported)
}

/// One CSV line's fields (quotes around a field may hold commas; `""` is a quote).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The suspensions and limits as Mastodon's CSV (importable by Mastodon and by Rounds).
pub async fn export_csv(state: &AppState) -> Result<String> {
    let mut csv = String::from(
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n",
    );
    for row in state.db.instance_policies().await? {
        let severity = match Policy::parse(&row.policy) {
            Some(Policy::Suspend) => "suspend",
            Some(Policy::Limit) => "silence",
            _ => continue,
        };
        let comment = row.reason.replace('"', "\"\"");
        csv.push_str(&format!(
            "{},{severity},false,false,\"{comment}\",false\n",
            row.instance
        ));
    }
    Ok(csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(entries: &[(&str, Policy)], allowlist: bool) -> PolicySet {
        PolicySet {
            allowlist,
            entries: Arc::new(entries.iter().map(|(i, p)| (i.to_string(), *p)).collect()),
        }
    }

    #[test]
    fn policies_cover_ports_and_subdomains() {
        let policies = set(
            &[
                ("bad.example", Policy::Suspend),
                ("localhost:7002", Policy::Limit),
            ],
            false,
        );
        assert!(policies.refuses("bad.example"));
        assert!(policies.refuses("social.bad.example"));
        assert!(policies.refuses("bad.example:8443"));
        assert!(!policies.refuses("notbad.example"));
        assert!(policies.limits("localhost:7002"));
        assert!(
            !policies.limits("localhost:7001"),
            "another port is another instance"
        );
        let allowlist = set(&[("friend.example", Policy::Allow)], true);
        assert!(!allowlist.refuses("friend.example"));
        assert!(allowlist.refuses("stranger.example"));
    }

    #[test]
    fn csv_lines_are_split_like_mastodon_writes_them() {
        assert_eq!(
            split_csv_line(r#"spam.example,suspend,false,false,"spam, lots of it",false"#),
            [
                "spam.example",
                "suspend",
                "false",
                "false",
                "spam, lots of it",
                "false"
            ]
        );
        assert_eq!(
            instance_name("Social.Example."),
            Some("social.example".into())
        );
        assert_eq!(
            instance_name("localhost:7001"),
            Some("localhost:7001".into())
        );
        assert_eq!(instance_name("bad host"), None);
        assert_eq!(instance_name("x.example:99999"), None);
    }
}
