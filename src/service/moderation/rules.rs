//! The moderation rules every inbound post is checked against, kept in memory: the bans in
//! force, the conversation owners' reply policies and the screening words. Reading them from the
//! database for every reply cost three queries a reply; they change a few times a day.
//!
//! The rules are read again after each change made in this process (the services that change
//! them call [`ModerationRules::invalidate`] after their commit) and at least every [`RELOAD`],
//! for changes made by other processes (`rounds mod` beside a running server, or other `rounds`
//! processes sharing a PostgreSQL database).

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::{Duration, Instant},
};

use super::holds::ReplyPolicy;
use crate::{
    db::{moderation::Ban, now_millis, Db},
    error::Result,
};

/// How stale the rules may be when another process changed them.
pub const RELOAD: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct BanInForce {
    /// `None`: the whole server.
    forum: Option<i64>,
    /// Milliseconds; `None`: no end.
    ends: Option<i64>,
}

/// One reading of the rules.
#[derive(Debug, Default)]
pub struct Rules {
    /// Actor id → its bans in force when read.
    bans: HashMap<String, Vec<BanInForce>>,
    reply_policies: HashMap<i64, ReplyPolicy>,
    screening_words: Vec<String>,
}

impl Rules {
    fn new(bans: Vec<Ban>, reply_policies: Vec<(i64, String)>, words: Vec<String>) -> Rules {
        let mut by_actor: HashMap<String, Vec<BanInForce>> = HashMap::new();
        for ban in bans {
            by_actor
                .entry(ban.actor_ap_id)
                .or_default()
                .push(BanInForce {
                    forum: ban.forum_id,
                    ends: ban.expires_at,
                });
        }
        Rules {
            bans: by_actor,
            reply_policies: reply_policies
                .into_iter()
                .filter_map(|(owner, text)| Some((owner, ReplyPolicy::parse(&text)?)))
                .collect(),
            screening_words: words,
        }
    }

    /// Whether `actor` is banned, at `now` (milliseconds), from the whole server or, with
    /// `forum`, from that forum.
    pub fn is_banned(&self, actor: &str, forum: Option<i64>, now: i64) -> bool {
        self.bans.get(actor).is_some_and(|bans| {
            bans.iter().any(|ban| {
                (ban.forum.is_none() || ban.forum == forum)
                    && ban.ends.is_none_or(|ends| ends > now)
            })
        })
    }

    /// A conversation owner's reply policy (open unless set).
    pub fn reply_policy(&self, owner: i64) -> ReplyPolicy {
        self.reply_policies
            .get(&owner)
            .copied()
            .unwrap_or(ReplyPolicy::Open)
    }

    /// The listed words that hold a post for review.
    pub fn screening_words(&self) -> &[String] {
        &self.screening_words
    }

    /// [`Rules::is_banned`] now.
    pub fn is_banned_now(&self, actor: &str, forum: Option<i64>) -> bool {
        self.is_banned(actor, forum, now_millis())
    }
}

/// The rules in force (in `AppState`).
#[derive(Default)]
pub struct ModerationRules {
    cached: RwLock<Option<(Instant, Arc<Rules>)>>,
    /// Bumped by each invalidation: a reading that started before a change is not kept.
    generation: AtomicU64,
    /// One reading at a time.
    reading: tokio::sync::Mutex<()>,
}

impl ModerationRules {
    /// The rules, read again when older than [`RELOAD`] or changed here. If they cannot be read,
    /// the last reading stays in force (the error is returned only when there is none).
    pub async fn current(&self, db: &Db) -> Result<Arc<Rules>> {
        if let Some(rules) = self.fresh() {
            return Ok(rules);
        }
        let _reading = self.reading.lock().await;
        if let Some(rules) = self.fresh() {
            return Ok(rules);
        }
        let generation = self.generation.load(Ordering::Acquire);
        match read(db).await {
            Ok(rules) => {
                let rules = Arc::new(rules);
                if self.generation.load(Ordering::Acquire) == generation {
                    if let Ok(mut cached) = self.cached.write() {
                        *cached = Some((Instant::now(), rules.clone()));
                    }
                }
                Ok(rules)
            }
            Err(err) => {
                let last = self
                    .cached
                    .read()
                    .ok()
                    .and_then(|cached| cached.as_ref().map(|(_, rules)| rules.clone()));
                match last {
                    Some(rules) => {
                        tracing::error!(error = %err, "moderation rules could not be read; the last reading stays");
                        Ok(rules)
                    }
                    None => Err(err.into()),
                }
            }
        }
    }

    /// Forgets the reading (after a change committed in this process).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut cached) = self.cached.write() {
            *cached = None;
        }
    }

    fn fresh(&self) -> Option<Arc<Rules>> {
        let cached = self.cached.read().ok()?;
        let (read_at, rules) = cached.as_ref()?;
        (read_at.elapsed() < RELOAD).then(|| rules.clone())
    }
}

async fn read(db: &Db) -> Result<Rules, sqlx::Error> {
    Ok(Rules::new(
        db.all_bans_in_force().await?,
        db.reply_policies().await?,
        db.screening_words().await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ban(actor: &str, forum: Option<i64>, expires_at: Option<i64>) -> Ban {
        Ban {
            id: 1,
            actor_ap_id: actor.into(),
            forum_id: forum,
            reason: "r".into(),
            expires_at,
            created_at: 0,
        }
    }

    #[test]
    fn server_bans_cover_every_forum_and_forum_bans_only_their_own() {
        let rules = Rules::new(
            vec![
                ban("https://a.example/u/1", None, None),
                ban("https://a.example/u/2", Some(7), None),
            ],
            Vec::new(),
            Vec::new(),
        );
        assert!(rules.is_banned("https://a.example/u/1", None, 0));
        assert!(rules.is_banned("https://a.example/u/1", Some(7), 0));
        assert!(!rules.is_banned("https://a.example/u/2", None, 0));
        assert!(rules.is_banned("https://a.example/u/2", Some(7), 0));
        assert!(!rules.is_banned("https://a.example/u/2", Some(8), 0));
        assert!(!rules.is_banned("https://a.example/u/3", Some(7), 0));
    }

    #[test]
    fn a_ban_ends_when_it_expires() {
        let rules = Rules::new(
            vec![ban("https://a.example/u/1", None, Some(1_000))],
            Vec::new(),
            Vec::new(),
        );
        assert!(rules.is_banned("https://a.example/u/1", None, 999));
        assert!(!rules.is_banned("https://a.example/u/1", None, 1_000));
    }

    #[test]
    fn reply_policies_default_to_open_and_unknown_text_is_ignored() {
        let rules = Rules::new(
            Vec::new(),
            vec![(3, "closed".into()), (4, "nonsense".into())],
            Vec::new(),
        );
        assert_eq!(rules.reply_policy(3), ReplyPolicy::Closed);
        assert_eq!(rules.reply_policy(4), ReplyPolicy::Open);
        assert_eq!(rules.reply_policy(5), ReplyPolicy::Open);
    }
}
