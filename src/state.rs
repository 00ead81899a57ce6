//! The shared context of a running instance: settings, database, and the delivery worker's bell.

use std::sync::Arc;

use tokio::sync::Notify;
use url::Url;

use crate::{
    config::Config,
    db::Db,
    delivery::{
        cache::SmallCache, inbound_first::InboxLoad, metrics::DeliveryMetrics, revive::Revivals,
    },
    federation::{
        actor_documents::ActorDocuments, objects::remote_actor::RemoteActorCache,
        verification::VerifyingKeys,
    },
    model::LocalActor,
    service::conversations::Relayer,
    service::moderation::{
        instances::InstancePolicies, rate_limits::InboundLimits, rules::ModerationRules,
    },
    service::recent_posts::RecentPosts,
};

/// Everything a handler, the inbox and the workers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// `https://DOMAIN/` (or `http://` in insecure mode).
    pub base: Arc<Url>,
    /// Rung after a transaction that queued deliveries has committed.
    pub delivery_bell: Arc<Notify>,
    /// Inbound activities being received now: deliveries wait while there are many.
    pub inbox_load: Arc<InboxLoad>,
    /// Delivery counters of this process, for `/metrics`.
    pub delivery_metrics: Arc<DeliveryMetrics>,
    /// The instances this process believes unavailable, to revive when they write to us
    /// (see `delivery::revive`).
    pub delivery_revivals: Arc<Revivals>,
    /// Instance policies in force (cached; see `service::moderation::instances`).
    pub instance_policies: Arc<InstancePolicies>,
    /// Bans, reply policies and screening words in force (cached; see
    /// `service::moderation::rules`).
    pub moderation_rules: Arc<ModerationRules>,
    /// Inbound rate limits of this process.
    pub inbound_limits: Arc<InboundLimits>,
    /// Remote actors' public keys, parsed, for verifying inbound signatures.
    pub verifying_keys: Arc<VerifyingKeys>,
    /// Remote actors recently read or stored (see `RemoteActorCache`).
    pub remote_actors: Arc<RemoteActorCache>,
    /// Which conversation owners' Groups relay their posts (see
    /// `service::conversations::relaying_group`).
    pub(crate) relaying_groups: Arc<SmallCache<i64, Option<Relayer>>>,
    /// Local actors' documents, serialized (see `federation::actor_documents`).
    pub actor_documents: Arc<ActorDocuments>,
    /// The posts replies recently arrived under (see `service::recent_posts`).
    pub recent_posts: Arc<RecentPosts>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Result<AppState, url::ParseError> {
        let base = Url::parse(&format!("{}/", config.base_url()))?;
        let inbound_limits = InboundLimits::new(
            config.inbound_per_actor_per_minute,
            config.inbound_per_instance_per_minute,
        );
        Ok(AppState {
            db,
            config: Arc::new(config),
            base: Arc::new(base),
            delivery_bell: Arc::new(Notify::new()),
            inbox_load: Arc::new(InboxLoad::default()),
            delivery_metrics: Arc::new(DeliveryMetrics::default()),
            delivery_revivals: Arc::new(Revivals::default()),
            instance_policies: Arc::new(InstancePolicies::default()),
            moderation_rules: Arc::new(ModerationRules::default()),
            inbound_limits: Arc::new(inbound_limits),
            verifying_keys: Arc::new(VerifyingKeys::default()),
            remote_actors: Arc::new(RemoteActorCache::default()),
            relaying_groups: Arc::new(SmallCache::new(1_024, None)),
            actor_documents: Arc::new(ActorDocuments::default()),
            recent_posts: Arc::new(RecentPosts::default()),
        })
    }

    /// A URL on this instance from a path built by this crate (actor names are validated to
    /// `[a-z0-9_]`, so joining cannot fail; the base is returned if it ever did).
    pub fn url(&self, path: &str) -> Url {
        self.base
            .join(path)
            .unwrap_or_else(|_| self.base.as_ref().clone())
    }

    /// The ActivityPub id of a local actor.
    pub fn actor_url(&self, actor: &LocalActor) -> Url {
        self.actor_url_named(&actor.name)
    }

    /// The ActivityPub id of the local actor called `name`.
    pub fn actor_url_named(&self, name: &str) -> Url {
        self.url(&format!("/actors/{name}"))
    }

    /// Tells the delivery worker that rows were queued.
    pub fn ring_delivery_bell(&self) {
        self.delivery_bell.notify_one();
    }
}
